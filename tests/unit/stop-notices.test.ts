import { describe, expect, it } from "vitest";
import { stopMessage, StopNotices, stopSentence } from "../../lib/workspace/stop-notices";

describe("what a session ended by a workspace stop is told", () => {
  it("says how long nobody used it, and what the stop ended", () => {
    expect(stopSentence({ cause: "idle", detail: { idleMs: 30 * 60_000, processes: 2 } })).toBe(
      "The workspace was stopped after 30 minutes without use; 2 processes ended.",
    );
    expect(stopSentence({ cause: "idle", detail: { idleMs: 61_000, processes: 1 } })).toBe("The workspace was stopped after 1 minute without use; 1 process ended.");
    expect(stopSentence({ cause: "idle", detail: { idleMs: 12_000 } })).toBe("The workspace was stopped after less than a minute without use.");
    expect(stopSentence({ cause: "idle" })).toBe("The workspace was stopped after a while without use.");
    expect(stopSentence({ cause: "admin" })).toBe("An administrator stopped the workspace.");
    expect(stopSentence({ cause: "user" })).toBe("The workspace was stopped from the portal.");
  });

  it("tells each door what to do next", () => {
    const idle = { cause: "idle" as const, detail: { idleMs: 30 * 60_000 } };
    expect(stopMessage(idle, "web")).toBe("The workspace was stopped after 30 minutes without use. Start it again to continue.");
    expect(stopMessage(idle, "ssh")).toBe("The workspace was stopped after 30 minutes without use. Connect again to start it.");
  });

  it("keeps a reason from the stop until the workspace runs again", () => {
    const notices = new StopNotices();
    notices.stopping("alice", { cause: "idle", detail: { idleMs: 1000 } });
    expect(notices.get("alice")?.cause).toBe("idle");
    expect(notices.get("bob")).toBeUndefined();
    notices.running("alice");
    expect(notices.get("alice")).toBeUndefined();
  });
});
