import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { run, workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "ready-alice", username: "alice" };

// What the portal's disk-limit hook (XFS project quotas, lib/portal.ts) is handed, recorded here: on this kernel
// XFS quotas cannot be mounted, so home-disk-quota.test.ts proves the enforcement where they can.
const calls: { home: string; uid: number; limit: number; owner: number }[] = [];
let limit = 10;

describe("a workspace's home is made ready (its disk limit set) before every start", () => {
  const fx = workspaceFixture({}, {
    homeReady: async (_user, home, uid) => {
      calls.push({ home, uid, limit, owner: fs.statSync(home).uid });
    },
  });
  afterAll(() => fx.cleanup());

  it("sets the current limit again when a stopped workspace starts in the same container", async () => {
    const first = await fx.manager.ensureRunning(alice);
    const firstId = (await fx.docker.getContainer(first.containerName).inspect()).Id;
    expect(calls).toHaveLength(1);
    await run(fx.manager, alice, "echo kept > ~/note");

    limit = 20; // the operator changes alice's quota while her workspace is stopped
    await fx.manager.stop(alice);
    const again = await fx.manager.ensureRunning(alice);
    // The same container, started again, not one made anew (which used to be the only time limits were set).
    expect((await fx.docker.getContainer(again.containerName).inspect()).Id).toBe(firstId);
    expect(calls.map((c) => c.limit)).toEqual([10, 20]);
    expect(calls[1]!.home).toBe(calls[0]!.home);
    if (process.getuid?.() === 0) expect(calls[1]!.owner).toBe(calls[1]!.uid); // handed over before the hook
    expect((await run(fx.manager, alice, "cat ~/note")).stdout).toBe("kept\n");
  });

  it("does nothing to a workspace that is already running", async () => {
    await fx.manager.ensureRunning(alice);
    expect(calls).toHaveLength(2);
  });
});
