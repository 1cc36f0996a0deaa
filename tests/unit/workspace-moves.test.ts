import { afterEach, describe, expect, it, vi } from "vitest";
import type { WorkspaceChange } from "../../lib/backend/backend";
import { endingMessage, MOVED_EXIT_STATUS, SessionEndings } from "../../lib/terminal/session-endings";
import { WorkspaceMoves, type MovesDeps } from "../../lib/workspace/moves";
import type { StopNotice } from "../../lib/workspace/stop-notices";
import type { WorkspaceStatus } from "../../lib/workspace/types";

const alice = { sub: "moves-alice", username: "alice" };
const AT = { slug: "alice", instanceId: "old", node: "node-2" };
const TIMING = { settleMs: 60_000, probeMs: 5_000, lookMs: 1_000 };

/** A workspace whose status, engine and change stream the test sets; what the detector asked is counted. */
function fakeWorkspace(initial: Partial<WorkspaceStatus>) {
  let status: WorkspaceStatus = { sub: alice.sub, username: "alice", slug: "alice", containerName: "ws-alice", state: "running", ...initial };
  const listeners = new Set<(change: WorkspaceChange) => void>();
  const engine = { oldRuns: true, asked: 0 };
  const deps: MovesDeps = {
    changes: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    workspaces: { status: async () => status },
    backend: {
      processes: async (at) => {
        engine.asked++;
        if (at.instanceId === "old" && engine.oldRuns) return [];
        throw new Error("No such container");
      },
    },
  };
  return {
    deps,
    engine,
    listeners,
    set(next: Partial<WorkspaceStatus>, tell = true) {
      status = { ...status, containerId: undefined, node: undefined, ...next } as WorkspaceStatus;
      if (tell) for (const l of listeners) l({ kind: "workspace", slug: "alice", what: next.state === "running" ? "started" : "stopped" });
    },
  };
}

afterEach(() => vi.useRealTimers());

describe("telling a move from a shell's own end", () => {
  it("a shell that ended while its instance still runs ended for its own reasons, without waiting", async () => {
    const ws = fakeWorkspace({ containerId: "old", node: "node-2" });
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    const waiting = vi.fn();
    expect(await following.settle(waiting)).toBeNull();
    expect(waiting).not.toHaveBeenCalled();
    expect(ws.engine.asked).toBe(1);
  });

  it("a shell whose workspace already runs as another instance on another machine moved there", async () => {
    const ws = fakeWorkspace({ containerId: "new", node: "node-3" });
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    expect(await following.settle()).toEqual({ node: "node-3", from: "node-2" });
  });

  it("waits while the scheduler places it again (the old task gone, no new one yet), and tells the move once it runs", async () => {
    vi.useFakeTimers();
    // Swarm between the tasks of an update: stopped, and no container yet.
    const ws = fakeWorkspace({ state: "stopped" });
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    const waiting = vi.fn();
    let settled: unknown = "pending";
    void following.settle(waiting).then((m) => (settled = m));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settled).toBe("pending");
    expect(waiting).toHaveBeenCalledTimes(1);
    ws.set({ state: "starting", node: "node-3" });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settled).toBe("pending");
    ws.set({ state: "running", containerId: "new", node: "node-3" });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual({ node: "node-3", from: "node-2" });
    expect(waiting).toHaveBeenCalledTimes(1);
  });

  it("a scheduler that still calls the dead instance running is not believed: the engine that ran it is asked", async () => {
    vi.useFakeTimers();
    const ws = fakeWorkspace({ containerId: "old", node: "node-2" });
    ws.engine.oldRuns = false;
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    let settled: unknown = "pending";
    void following.settle().then((m) => (settled = m));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(settled).toBe("pending");
    ws.set({ state: "running", containerId: "new", node: "node-3" });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual({ node: "node-3", from: "node-2" });
  });

  it("a workspace that stopped and stays stopped in the session's own instance did not move (OOM killer, docker stop)", async () => {
    const ws = fakeWorkspace({ state: "stopped", containerId: "old", node: "node-2", stopReason: "out_of_memory" });
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    const waiting = vi.fn();
    expect(await following.settle(waiting)).toBeNull();
    expect(waiting).not.toHaveBeenCalled();
  });

  it("a workspace that is not placed again within the bound is taken for ended", async () => {
    vi.useFakeTimers();
    const ws = fakeWorkspace({ state: "starting" });
    const following = new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, () => {});
    let settled: unknown = "pending";
    void following.settle().then((m) => (settled = m));
    await vi.advanceTimersByTimeAsync(TIMING.settleMs - 1_000);
    expect(settled).toBe("pending");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(settled).toBeNull();
  });
});

describe("a session whose workspace moves while it runs", () => {
  it("is ended when another instance runs and may be used, not before, and once", async () => {
    const ws = fakeWorkspace({ containerId: "old", node: "node-2" });
    const moves = new WorkspaceMoves(ws.deps, TIMING);
    const onMoved = vi.fn();
    const following = moves.follow(alice, AT, onMoved);
    // A change of its own instance (say, a second portal looked), then a new copy not yet holding its lease.
    ws.set({ state: "running", containerId: "old", node: "node-2" });
    ws.set({ state: "starting", containerId: "new", node: "node-3" });
    await vi.waitFor(() => expect(ws.listeners.size).toBe(1));
    await new Promise((r) => setImmediate(r));
    expect(onMoved).not.toHaveBeenCalled();
    ws.set({ state: "running", containerId: "new", node: "node-3" });
    await vi.waitFor(() => expect(onMoved).toHaveBeenCalledTimes(1));
    expect(onMoved).toHaveBeenCalledWith({ node: "node-3", from: "node-2" });
    expect(following.moved).toEqual({ node: "node-3", from: "node-2" });
    ws.set({ state: "running", containerId: "new", node: "node-3" });
    await new Promise((r) => setImmediate(r));
    expect(onMoved).toHaveBeenCalledTimes(1);
    // Its shell's end, asked afterwards, is the move: no engine is asked about the old instance.
    const asked = ws.engine.asked;
    expect(await following.settle()).toEqual({ node: "node-3", from: "node-2" });
    expect(ws.engine.asked).toBe(asked);
  });

  it("a new copy that is placed but not yet holding its lease is looked at again until it does, with no further change", async () => {
    vi.useFakeTimers();
    const ws = fakeWorkspace({ containerId: "old", node: "node-2" });
    const onMoved = vi.fn();
    new WorkspaceMoves(ws.deps, TIMING).follow(alice, AT, onMoved);
    ws.set({ state: "starting", containerId: "new", node: "node-3" });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(onMoved).not.toHaveBeenCalled();
    ws.set({ state: "running", containerId: "new", node: "node-3" }, false); // the lease taken: no engine event
    await vi.advanceTimersByTimeAsync(TIMING.lookMs);
    expect(onMoved).toHaveBeenCalledWith({ node: "node-3", from: "node-2" });
  });

  it("stops following the changes with its last session", () => {
    const ws = fakeWorkspace({ containerId: "old" });
    const moves = new WorkspaceMoves(ws.deps, TIMING);
    const a = moves.follow(alice, AT, () => {});
    const b = moves.follow(alice, AT, () => {});
    expect(ws.listeners.size).toBe(1);
    a.release();
    expect(ws.listeners.size).toBe(1);
    b.release();
    expect(ws.listeners.size).toBe(0);
  });
});

describe("why a shell ended, for every door", () => {
  const idle: StopNotice = { cause: "idle", detail: { idleMs: 30 * 60_000 } };

  it("a stop by the portal is told as today's stop, never as a move", async () => {
    const ws = fakeWorkspace({ containerId: "new", node: "node-3" });
    const endings = new SessionEndings({ get: () => idle }, new WorkspaceMoves(ws.deps, TIMING));
    const why = await endings.follow(alice, AT, () => {}).why();
    expect(why).toEqual({ kind: "stopped", notice: idle });
    expect(endingMessage(why!, "web")).toBe("The workspace was stopped after 30 minutes without use. Start it again to continue.");
  });

  it("a move is told with the machine it runs on now, and what to do through each door", async () => {
    const ws = fakeWorkspace({ containerId: "new", node: "node-3" });
    const why = await new SessionEndings({ get: () => undefined }, new WorkspaceMoves(ws.deps, TIMING)).follow(alice, AT, () => {}).why();
    expect(endingMessage(why!, "web")).toBe(
      "Your workspace moved to another machine (node-3); this terminal's shell ended there. Opening a new terminal…",
    );
    expect(endingMessage(why!, "ssh")).toBe(
      "Your workspace moved to another machine (node-3); this session's shell ended there. Connect again with the same ssh command to continue.",
    );
    expect(MOVED_EXIT_STATUS).toBe(75);
  });

  it("a new container on the same machine (or one host) is told as a restart, not a move", async () => {
    const ws = fakeWorkspace({ containerId: "new" });
    const why = await new SessionEndings({ get: () => undefined }, new WorkspaceMoves(ws.deps, TIMING)).follow(alice, { slug: "alice", instanceId: "old" }, () => {}).why();
    expect(endingMessage(why!, "web")).toBe(
      "Your workspace was restarted in a new container; this terminal's shell ended with the old one. Opening a new terminal…",
    );
  });

  it("a shell that exited 0 ended on its own: nobody is asked", async () => {
    const ws = fakeWorkspace({ containerId: "new", node: "node-3" });
    const why = await new SessionEndings({ get: () => undefined }, new WorkspaceMoves(ws.deps, TIMING)).follow(alice, AT, () => {}).why(undefined, 0);
    expect(why).toBeUndefined();
    expect(ws.engine.asked).toBe(0);
  });

  it("a shell that ended on its own says nothing", async () => {
    const ws = fakeWorkspace({ containerId: "old", node: "node-2" });
    const why = await new SessionEndings({ get: () => undefined }, new WorkspaceMoves(ws.deps, TIMING)).follow(alice, AT, () => {}).why();
    expect(why).toBeUndefined();
  });
});
