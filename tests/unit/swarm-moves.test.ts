import { describe, expect, it, vi } from "vitest";
import { keepAsking, movesDue, type ServiceSeen } from "../../lib/backend/swarm/moves";
import { viewOf, type NodeState, type SwarmTask } from "../../lib/backend/swarm/tasks";
import { NODE_FENCE } from "../../lib/backend/node-fence";

const task = (id: string, state: string, o: { desired?: string; node?: string | null; at?: number; exit?: number } = {}): SwarmTask => ({
  ID: id,
  ServiceID: "s1",
  ...(o.node === null ? {} : { NodeID: o.node ?? "n3" }),
  CreatedAt: new Date(Date.UTC(2026, 11, 3, 10, 0, o.at ?? 1)).toISOString(),
  DesiredState: o.desired ?? "running",
  Status: { State: state, ...(o.exit !== undefined ? { ContainerStatus: { ContainerID: `c-${id}`, ExitCode: o.exit } } : {}) },
});
const nodes = (n3: Partial<NodeState>): Map<string, NodeState> =>
  new Map([
    ["n2", { name: "w2", ready: true, active: true }],
    ["n3", { name: "w3", ready: true, active: true, ...n3 }],
  ]);
const service = (tasks: SwarmTask[], replicas = 1): ServiceSeen => ({ id: "s1", name: "p-alice", replicas, tasks });

describe("which workspaces the swarm backend starts again elsewhere", () => {
  it("moves one whose node was lost, once the manager has shut its task down (restart condition none makes no other)", () => {
    const lost = task("t1", "running", { desired: "shutdown" });
    expect(movesDue([service([lost])], nodes({ ready: false }), new Set())).toEqual([{ serviceId: "s1", name: "p-alice", taskId: "t1", why: "w3 was lost" }]);
  });

  it("waits while the manager still asks the task to run on a node that stopped answering: it may come back", () => {
    expect(movesDue([service([task("t1", "running")])], nodes({ ready: false }), new Set())).toEqual([]);
  });

  it("moves one its node's watchdog stopped, and one on a drained node", () => {
    const fenced = task("t1", "failed", { desired: "shutdown", exit: NODE_FENCE.exitCode });
    expect(movesDue([service([fenced])], nodes({}), new Set())[0]?.why).toBe("w3 lost its managers");
    const drained = task("t1", "shutdown", { desired: "shutdown", exit: 0 });
    expect(movesDue([service([drained])], nodes({ active: false }), new Set())[0]?.why).toBe("w3 was drained");
  });

  it("never moves one whose first process ended by itself on a live node: an exit, the OOM killer", () => {
    for (const ended of [task("t1", "failed", { desired: "shutdown", exit: 137 }), task("t1", "failed", { desired: "shutdown", exit: 3 })]) {
      expect(movesDue([service([ended])], nodes({}), new Set())).toEqual([]);
    }
  });

  it("starts one again whose engine stopped it (restarted): status 0, the stop signal's, or a container the engine lost", () => {
    const stopped = task("t1", "complete", { desired: "shutdown", exit: 0 });
    const lost: SwarmTask = { ...task("t1", "failed", { desired: "shutdown", exit: 0 }), Status: { State: "failed", Message: "started", Err: "No such container: p-alice.1.t1", ContainerStatus: { ContainerID: "c-t1", ExitCode: 0 } } };
    for (const ended of [stopped, lost]) {
      expect(movesDue([service([ended])], nodes({}), new Set())).toEqual([{ serviceId: "s1", name: "p-alice", taskId: "t1", why: "w3 stopped it (its engine restarted or shut down)" }]);
      expect(viewOf(1, [ended], true, nodes({}))).toMatchObject({ state: "pending", reason: "moving: w3 stopped it (its engine restarted or shut down)" });
      // The portal's own stop asks for no replica first: stopped, never started again.
      expect(movesDue([service([ended], 0)], nodes({}), new Set())).toEqual([]);
      expect(viewOf(0, [ended], true, nodes({}))).toMatchObject({ state: "stopped" });
    }
    // A container that failed to start (status 0 too, never "started") is a refusal, not a stop.
    const neverRan: SwarmTask = { ...lost, Status: { ...lost.Status, Message: "starting", Err: "starting container failed: mount denied" } };
    expect(movesDue([service([neverRan])], nodes({}), new Set())).toEqual([]);
    expect(viewOf(1, [neverRan], true, nodes({}))).toMatchObject({ state: "failed", reason: "starting container failed: mount denied" });
    // An update's predecessor is never the newest task: its successor is made before it ends.
    const successor = task("t2", "preparing", { node: "n2", at: 2 });
    expect(movesDue([service([{ ...stopped, Status: { State: "shutdown", ContainerStatus: { ContainerID: "c-t1", ExitCode: 0 } } }, successor])], nodes({}), new Set())).toEqual([]);
  });

  it("never moves a stopped workspace, one already moved, or one whose new task is on its way", () => {
    const lost = task("t1", "running", { desired: "shutdown" });
    expect(movesDue([service([lost], 0)], nodes({ ready: false }), new Set())).toEqual([]);
    expect(movesDue([service([lost])], nodes({ ready: false }), new Set(["t1"]))).toEqual([]);
    const next = task("t2", "pending", { node: "n2", at: 2 });
    expect(movesDue([service([lost, next])], nodes({ ready: false }), new Set())).toEqual([]);
  });

  it("places a moved workspace once more when the node it went to refused it, a few times, then lets the refusal stand", () => {
    const lost = task("t1", "shutdown", { desired: "shutdown", exit: 0 });
    const refused = (id: string, at: number): SwarmTask => ({ ...task(id, "rejected", { node: "n2", at, desired: "shutdown" }), Status: { State: "rejected", Err: "network scxc-ws exists" } });
    const once = movesDue([service([lost, refused("t2", 2)])], nodes({ ready: false }), new Set());
    expect(once).toEqual([{ serviceId: "s1", name: "p-alice", taskId: "t2", why: "w3 was lost; w2 refused it (network scxc-ws exists), placing it again" }]);
    expect(viewOf(1, [lost, refused("t2", 2)], true, nodes({ ready: false }))).toMatchObject({ state: "pending", reason: expect.stringMatching(/^moving: w3 was lost; w2 refused it/) });
    const often = [lost, refused("t2", 2), refused("t3", 3), refused("t4", 4)];
    expect(movesDue([service(often)], nodes({ ready: false }), new Set())).toEqual([]);
    expect(viewOf(1, often, true, nodes({ ready: false }))).toMatchObject({ state: "failed", reason: "network scxc-ws exists" });
  });

  it("never places again a start its node refused when nothing was moved", () => {
    const refused: SwarmTask = { ...task("t1", "rejected", { desired: "shutdown" }), Status: { State: "rejected", Err: "invalid mount config" } };
    expect(movesDue([service([refused])], nodes({}), new Set())).toEqual([]);
    expect(viewOf(1, [refused], true, nodes({}))).toMatchObject({ state: "failed" });
  });
});

describe("a workspace's placement while it moves", () => {
  it("is pending, saying it moves and why, while its task on a lost node is not yet replaced; never running there", () => {
    expect(viewOf(1, [task("t1", "running", { desired: "shutdown" })], true, nodes({ ready: false }))).toMatchObject({ state: "pending", reason: "moving: w3 was lost" });
    expect(viewOf(1, [task("t1", "running")], true, nodes({ ready: false }))).toMatchObject({ state: "pending", reason: "moving: w3 was lost" });
  });

  it("keeps saying why while the new task starts elsewhere, and runs there with no reason", () => {
    const lost = task("t1", "running", { desired: "shutdown" });
    expect(viewOf(1, [lost, task("t2", "preparing", { node: "n2", at: 2 })], true, nodes({ ready: false }))).toMatchObject({
      state: "starting",
      reason: "moving: w3 was lost",
    });
    const running = viewOf(1, [lost, task("t2", "running", { node: "n2", at: 2 })], true, nodes({ ready: false }));
    expect(running.state).toBe("running");
    expect(running.reason).toBeUndefined();
    expect(running.task?.ID).toBe("t2");
  });

  it("is pending with the scheduler's words, not moving, while no node has room for it", () => {
    const waiting = { ...task("t1", "pending", { node: null }), Status: { State: "pending", Err: "no suitable node (insufficient resources on 2 nodes)" } };
    expect(viewOf(1, [waiting], true, nodes({}))).toMatchObject({ state: "pending", reason: "no suitable node (insufficient resources on 2 nodes)" });
    expect(movesDue([service([{ ...waiting, DesiredState: "shutdown" }])], nodes({}), new Set())).toEqual([]);
  });

  it("still says stopped, with the exit status, for one that ended by itself", () => {
    expect(viewOf(1, [task("t1", "failed", { desired: "shutdown", exit: 137 })], true, nodes({}))).toMatchObject({ state: "stopped", exitCode: 137 });
  });
});

describe("the keeper's rounds", () => {
  it("asks again an interval after each round ends, a failed round included, until stopped", async () => {
    vi.useFakeTimers();
    try {
      let rounds = 0;
      const errors: unknown[] = [];
      const stop = keepAsking(
        async () => {
          rounds++;
          if (rounds === 2) throw new Error("manager unreachable");
        },
        1000,
        (e) => errors.push(e),
      );
      await vi.advanceTimersByTimeAsync(0);
      expect(rounds).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      await vi.advanceTimersByTimeAsync(1000);
      expect(rounds).toBe(3);
      expect(errors).toHaveLength(1);
      stop();
      await vi.advanceTimersByTimeAsync(5000);
      expect(rounds).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
