import type { PlacementState } from "../backend";

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

const ENDED = new Set(["complete", "shutdown", "failed", "rejected", "orphaned", "remove"]);

/** The newest task of a service: the one that says how the workspace is now (Swarm keeps a few old ones). */
export function newestTask(tasks: SwarmTask[]): SwarmTask | undefined {
  return [...tasks].sort((a, b) => Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt) || b.ID.localeCompare(a.ID))[0];
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
 * The workspace's state from its service's replica count and newest task. `ran`: the service was started once (a
 * stopped service's tasks are removed, so without it a stopped workspace would look never started).
 */
export function viewOf(replicas: number, tasks: SwarmTask[], ran: boolean): TaskView {
  const task = newestTask(tasks);
  if (!task) {
    if (replicas === 0) return { state: ran ? "stopped" : "created" };
    return { state: "starting" };
  }
  const { State: state, Err: err, ContainerStatus: container } = task.Status;
  if (state === "running") return { state: "running", task };
  if (isLive(task)) {
    if (replicas === 0 || task.DesiredState !== "running") return { state: "stopped", task };
    if (waitsForNode(task)) return { state: "pending", reason: err ?? task.Status.Message ?? "no suitable node", task };
    return { state: "starting", task };
  }
  const exitCode = container?.ExitCode;
  // It ran and its first process ended (exit, OOM killer): stopped, with the exit status, as on one host.
  if (state === "complete" || state === "shutdown" || (state === "failed" && container?.ContainerID && exitCode !== undefined && exitCode !== 0)) {
    return { state: "stopped", task, ...(exitCode !== undefined ? { exitCode } : {}) };
  }
  if (state === "orphaned") return { state: "failed", reason: "the machine it ran on stopped answering the manager", task };
  // Never ran: rejected by its node (a bind source missing, no such image) or failed to start there.
  return { state: "failed", reason: err ?? task.Status.Message ?? state, task };
}
