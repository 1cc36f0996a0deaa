import { describe, expect, it } from "vitest";
import { toPlacement } from "../../lib/backend/docker/placement";
import type { ContainerInfo } from "../../lib/runtime/runtime";
import { describePlacement } from "../../lib/workspace/status";

const base: ContainerInfo = { id: "c1", name: "ws-a", labels: {}, imageId: "sha256:x", status: "exited", exitCode: 0, oomKilled: false };
const user = { sub: "s", username: "a", slug: "a-1" };
// A container as the Docker backend places it, then as its owner is told.
const describeContainer = (container: ContainerInfo, owner: typeof user) => describePlacement(toPlacement(container, owner.slug), owner);

describe("what a stopped workspace tells its owner", () => {
  it("says out of memory only when the workspace itself was killed for it", () => {
    expect(describeContainer({ ...base, oomKilled: true, exitCode: 137 }, user).stopReason).toBe("out_of_memory");
    // A process once hit the limit, then the owner stopped the workspace normally.
    expect(describeContainer({ ...base, oomKilled: true, exitCode: 0 }, user).stopReason).toBe("exited");
    expect(describeContainer({ ...base, status: "created" }, user).stopReason).toBe("never_started");
    expect(describeContainer({ ...base, status: "running" }, user)).not.toHaveProperty("stopReason");
    expect(describeContainer({ ...base, status: "dead" }, user).state).toBe("error");
  });
});
