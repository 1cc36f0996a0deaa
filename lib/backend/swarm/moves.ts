import { newestTask, refusedWhileMoving, takenAway, type NodeState, type SwarmTask } from "./tasks";

/** A workspace's service as the keeper reads it: how many replicas it is asked for, and its tasks. */
export interface ServiceSeen {
  id: string;
  name: string;
  replicas: number;
  tasks: SwarmTask[];
}

/** A workspace to start again elsewhere: its service, the task the swarm took away, and why. */
export interface Move {
  serviceId: string;
  name: string;
  taskId: string;
  why: string;
}

/**
 * The workspaces to start again now: asked to run (one replica), and whose newest task the swarm took away or its
 * node's watchdog stopped (`takenAway`), or whose replacement a node refused (`refusedWhileMoving`) — never one whose
 * first process ended by itself, which stays ended as on one host. A task already acted on (`handled`) is not moved twice while the manager makes its successor.
 */
export function movesDue(services: ServiceSeen[], nodes: ReadonlyMap<string, NodeState>, handled: ReadonlySet<string>): Move[] {
  const moves: Move[] = [];
  for (const service of services) {
    if (service.replicas < 1) continue;
    const task = newestTask(service.tasks);
    if (!task || handled.has(task.ID)) continue;
    // Still asked to run on a node that stopped answering: the manager shuts it down once it marks the node down,
    // and only then may another task take its place (until then it might come back).
    const mayReplace = task.DesiredState !== "running" || task.Status.State === "complete" || task.Status.State === "failed";
    // Or its replacement was refused by the node it went to: placed once more, a few times.
    const why = (mayReplace ? takenAway(task, task.NodeID ? nodes.get(task.NodeID) : undefined) : null) ?? refusedWhileMoving(service.tasks, nodes);
    if (why) moves.push({ serviceId: service.id, name: service.name, taskId: task.ID, why });
  }
  return moves;
}

/** Runs `round` now and then `intervalMs` after each one ends, until the returned function is called. */
export function keepAsking(round: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const next = async () => {
    await round().catch(onError);
    if (stopped) return;
    timer = setTimeout(() => void next(), intervalMs);
    timer.unref();
  };
  void next();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
