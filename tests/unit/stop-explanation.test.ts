import { describe, expect, it } from "vitest";
import { stopExplanation } from "../../components/workspace-state";
import type { WorkspaceView } from "../../lib/workspace/view";

const stopped = (more: Partial<WorkspaceView>): WorkspaceView => ({ state: "stopped", username: "alice", name: "alice-x", ...more });

describe("what the page says about a stopped workspace", () => {
  it("says a workspace nobody stopped was stopped by its machine or ended, with its exit status", () => {
    expect(stopExplanation(stopped({ stopReason: "exited", exitCode: 0 }))).toBe(
      "It stopped without anyone stopping it (exit status 0): its machine stopped or restarted it, or its main process ended. Your files are kept; open it to start it again.",
    );
  });

  it("keeps to the plain words when the user stopped it, and names an admin's or the idle stop", () => {
    expect(stopExplanation(stopped({ stopReason: "exited", exitCode: 0, stopCause: "user" }))).toBe("Your files are kept. Open it to start it again.");
    expect(stopExplanation(stopped({ stopReason: "exited", stopCause: "admin" }))).toMatch(/^An administrator stopped it/);
    expect(stopExplanation(stopped({ stopReason: "out_of_memory", exitCode: 137 }))).toMatch(/ran out of memory/);
  });
});
