import type { PlacementState } from "../backend";
import { NODE_FENCE } from "../node-fence";

/** A Swarm task as the manager reports it (Engine API 1.41), the fields the portal reads. */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt: string;
  DesiredState: string;
  Status: {
    Timestamp?: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

/** What the tasks of one workspace's service say of it, before its node is asked about the container. */
export interface TaskView {
  state: PlacementState;
  reason?: string;
  exitCode?: number;
  /** The task this view is of: the newest one. */
  task?: SwarmTask;
}

/** A node as the manager sees it now: whether it answers its heartbeats, and whether it may run tasks (not drained). */
export interface NodeState {
  name: string;
  ready: boolean;
  active: boolean;
}

const ENDED = new Set(["complete", "shutdown", "failed", "rejected", "orphaned", "remove"]);

/** The newest task of a service: the one that says how the workspace is now (Swarm keeps a few old ones). */
export function newestTask(tasks: SwarmTask[]): SwarmTask | undefined {
  return newestFirst(tasks)[0];
}

function newestFirst(tasks: SwarmTask[]): SwarmTask[] {
  return [...tasks].sort((a, b) => Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt) || b.ID.localeCompare(a.ID));
}

/** Whether the scheduler found no node that may take it (no room, or none that meets the constraints). */
export function waitsForNode(task: SwarmTask): boolean {
  return task.Status.State === "pending" && /no suitable node/.test(task.Status.Err ?? task.Status.Message ?? "");
}

/** Whether a task may still become (or is) the running container: Swarm has not given up on it. */
export function isLive(task: SwarmTask): boolean {
  return !ENDED.has(task.Status.State);
}

/**
 * Why the task no longer runs though its workspace was not stopped and its first process did not end by itself: the
 * swarm took it away (its node was lost or drained: the manager then shuts the task down, and with restart condition
 * none makes no other), or its node's watchdog stopped it (the node lost its managers). Null when it runs, is on its
 * way, or ended by its own doing (an exit, the OOM killer), which stays ended. `node`: the task's node now, as the
 * manager lists it (undefined: it left the swarm); without a list of nodes at all, every node counts as ready.
 */
export function takenAway(task: SwarmTask, node: NodeState | undefined, known = true): string | null {
  // Never placed on a node (waiting for room): nothing was taken away.
  if (!task.NodeID) return null;
  const name = node?.name ?? task.NodeID ?? "its node";
  const { State: state, ContainerStatus: container } = task.Status;
  if ((state === "complete" || state === "failed") && container?.ExitCode === NODE_FENCE.exitCode) return `${name} lost its managers`;
  if (stoppedByItsEngine(task)) return `${name} stopped it (its engine restarted or shut down)`;
  const ready = !known || node?.ready === true;
  // Still asked to run: moved only once its node is lost (the manager shuts it down then).
  if (task.DesiredState === "running") return isLive(task) && !ready ? `${name} was lost` : null;
  if (!isLive(task) && state !== "shutdown" && state !== "orphaned") return null;
  if (!ready) return `${name} was lost`;
  if (known && node?.active === false) return `${name} was drained`;
  // Stopped by the swarm on a ready, active node: an update of the service (the swarm starts its successor itself).
  // Moving it too would update it again under the swarm's own update.
  return null;
}

/**
 * Whether the task's container was stopped by its node's engine (a restart, a shutdown): its first process, the
 * lease command, ended with status 0, which it does only on the stop signal (lib/workspace/lease.ts). Nobody else
 * sends that to a task the service still asks to run: the portal's stop asks for no replica first, and an update's
 * successor is made before its predecessor ends (so the predecessor is never the newest). An engine that comes back
 * without the container says so ("No such container"), with the status it last knew. The workspace's own user can
 * send it too (`kill` of that process): then it starts again, as after a restart.
 */
function stoppedByItsEngine(task: SwarmTask): boolean {
  const { State: state, ContainerStatus: container } = task.Status;
  return (state === "complete" || (state === "failed" && hadStarted(task))) && Boolean(container?.ContainerID) && container?.ExitCode === 0;
}

/** A failed task that had run (its agent said "started"), not one whose container failed to start (status 0 too). */
function hadStarted(task: SwarmTask): boolean {
  return task.Status.Message === "started";
}

/** How many times nodes may refuse a moving workspace's new task before the refusal is what its owner sees. */
export const MOVE_REFUSALS = 3;

/** Refused by its node before it ran: rejected (a bind source missing, no such image) or failed to start there. */
export function refusedByNode(task: SwarmTask): boolean {
  return task.Status.State === "rejected" || (task.Status.State === "failed" && !task.Status.ContainerStatus?.ContainerID);
}

/**
 * Why a workspace the swarm took away is to be placed once more: the task that replaced it was refused by the node
 * it went to, fewer than MOVE_REFUSALS times in a row (an engine that has just restarted rejects tasks on the
 * swarm network for some seconds, moby#37087; the scheduler may well pick that emptiest node). Null otherwise:
 * not a move, or refused too often (then the refusal stands, as a start's would).
 */
export function refusedWhileMoving(tasks: SwarmTask[], nodes?: ReadonlyMap<string, NodeState>): string | null {
  const history = newestFirst(tasks);
  const refusals = history.findIndex((t) => !refusedByNode(t));
  if (refusals < 1 || refusals >= MOVE_REFUSALS) return null;
  const moved = history[refusals]!;
  const why = takenAway(moved, moved.NodeID ? nodes?.get(moved.NodeID) : undefined, nodes !== undefined);
  if (!why) return null;
  const last = history[0]!;
  const where = (last.NodeID ? nodes?.get(last.NodeID)?.name : undefined) ?? "a node";
  return `${why}; ${where} refused it (${last.Status.Err ?? last.Status.Message ?? last.Status.State}), placing it again`;
}

/**
 * The workspace's state from its service's replica count and newest task. `ran`: the service was started once (a
 * stopped service's tasks are removed, so without it a stopped workspace would look never started). `nodes`: the
 * swarm's nodes by id, to tell a task on a lost node from one that runs (omitted: every node is taken as ready).
 * While a workspace the swarm took away is started again elsewhere, its reason says it is moving and why.
 */
export function viewOf(replicas: number, tasks: SwarmTask[], ran: boolean, nodes?: ReadonlyMap<string, NodeState>): TaskView {
  const task = newestTask(tasks);
  if (!task) {
    if (replicas === 0) return { state: ran ? "stopped" : "created" };
    return { state: "starting" };
  }
  const away = (t: SwarmTask) => takenAway(t, t.NodeID ? nodes?.get(t.NodeID) : undefined, nodes !== undefined);
  const { State: state, Err: err, ContainerStatus: container } = task.Status;
  if (replicas > 0) {
    const why = away(task) ?? refusedWhileMoving(tasks, nodes);
    if (why) return { state: "pending", reason: `moving: ${why}`, task };
  }
  if (state === "running") return { state: "running", task };
  if (isLive(task)) {
    if (replicas === 0 || task.DesiredState !== "running") return { state: "stopped", task };
    const before = newestTask(tasks.filter((t) => t !== task));
    const moving = before && away(before) ? `moving: ${away(before)}` : null;
    if (waitsForNode(task)) {
      const scheduler = err ?? task.Status.Message ?? "no suitable node";
      return { state: "pending", reason: moving ? `${moving}; ${scheduler}` : scheduler, task };
    }
    return { state: "starting", task, ...(moving ? { reason: moving } : {}) };
  }
  const exitCode = container?.ExitCode;
  // It ran and its first process ended (exit, OOM killer): stopped, with the exit status, as on one host.
  if (state === "complete" || state === "shutdown" || (state === "failed" && container?.ContainerID && exitCode !== undefined && (exitCode !== 0 || hadStarted(task)))) {
    return { state: "stopped", task, ...(exitCode !== undefined ? { exitCode } : {}) };
  }
  if (state === "orphaned") return { state: "failed", reason: "the machine it ran on stopped answering the manager", task };
  // Never ran: rejected by its node (a bind source missing, no such image) or failed to start there.
  return { state: "failed", reason: err ?? task.Status.Message ?? state, task };
}
