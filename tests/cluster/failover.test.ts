import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../lib/workspace/run";
import type { WorkspaceStatus } from "../../lib/workspace/types";
import { clusterCommand, managerEngine, nodeNamed, pollFor, readCluster, workers, type ClusterInfo, type ClusterNode } from "../support/cluster";
import { logPlacements } from "../support/placement-log";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const alice = { sub: "failover-alice", username: "alice" };
// 24 files of 256 KiB each, each fsynced as it is written; then their checksums.
const WRITE = 'for i in $(seq 1 24); do dd if=/dev/urandom of=$HOME/f$i bs=64k count=4 conv=fsync 2>/dev/null || exit 1; done; cd $HOME && sha256sum f*';

describe("a worker's death with a workspace on it", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  let victim: ClusterNode;

  beforeAll(() => {
    info = readCluster();
    fx = swarmFixture(info);
  });
  afterAll(async () => {
    try {
      await fx?.cleanup();
    } finally {
      // The dead worker boots again for the files that follow.
      if (victim) await clusterCommand("up");
    }
  });

  it("runs the workspace again on the other worker by itself, every fsynced file intact, its placement saying it moved", async () => {
    const first = await fx.manager.ensureRunning(alice);
    victim = nodeNamed(info, first.node!);
    const survivor = workers(info).find((w) => w.name !== victim.name)!;
    const written = await run(fx.manager, alice, ["sh", "-c", WRITE]);
    expect(written.code).toBe(0);
    expect(written.stdout.trim().split("\n")).toHaveLength(24);

    const placements = logPlacements(fx.backend, first.slug);
    const killedAt = Date.now();
    await clusterCommand("kill-node", String(victim.index));
    // Nobody asks for anything: the backend's keeper alone moves it. Ready = running and seen holding its lease.
    const moved = await pollFor("the workspace to run and hold its lease on the other worker", 180, async () => {
      const now = await fx.manager.status(alice);
      return now.state === "running" && now.node === survivor.name ? now : undefined;
    });
    const readyMs = Date.now() - killedAt;
    const seen = await placements.stop();
    const down = await nodeDownAt(info, victim);

    expect(moved.containerId).not.toBe(first.containerId);
    const again = await run(fx.manager, alice, ["sh", "-c", "cd $HOME && sha256sum f*"]);
    expect(again.stdout).toBe(written.stdout);
    // The keeper moved it because its node was lost (its own record: the sampled placements may or may not have
    // caught the moment, which lasts about a second on a quiet machine)...
    expect(fx.moves, JSON.stringify(seen)).toContainEqual({ workspace: first.containerName, why: `${victim.name} was lost` });
    // ...and whatever the portal was told meanwhile was honest: a workspace moving is pending or starting, never running.
    for (const p of seen.filter((p) => p.reason?.startsWith("moving:"))) expect(["pending", "starting"]).toContain(p.state);
    expect(seen.at(-1)).toMatchObject({ node: survivor.name, instanceId: moved.containerId });
    report("kill-node", { killedAt, down, readyMs, seen, first, moved });
  });
});

/** When the manager marked the node down, as the test saw it (ms after the kill): from its UpdatedAt. */
async function nodeDownAt(info: ClusterInfo, node: ClusterNode): Promise<string> {
  const n = (await managerEngine(info).getNode(node.name).inspect()) as { Status: { State: string }; UpdatedAt: string };
  return `${n.Status.State} (updated ${n.UpdatedAt})`;
}

function report(what: string, r: { killedAt: number; down: string; readyMs: number; seen: unknown[]; first: WorkspaceStatus; moved: WorkspaceStatus }): void {
  console.log(
    `[failover] ${what} at ${new Date(r.killedAt).toISOString()}: ready on ${r.moved.node} after ${(r.readyMs / 1000).toFixed(1)} s; node ${r.down}; placements seen: ${JSON.stringify(r.seen)}`,
  );
}
