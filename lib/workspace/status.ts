import type { Placement, PlacementState, RunningAt } from "../backend/backend";
import type { WorkspaceState, WorkspaceStatus } from "./types";

const STATE: Record<PlacementState, WorkspaceState> = {
  created: "stopped",
  stopped: "stopped",
  // Asked to run and not yet placed: to its owner, it is starting (the reason says why it takes a while).
  pending: "starting",
  starting: "starting",
  running: "running",
  failed: "error",
};

/** How a workspace looks to its owner, whatever runs it: state, and why it stopped when it did. */
export function describePlacement(placement: Placement, user: { sub: string; username: string; slug: string }): WorkspaceStatus {
  const state = STATE[placement.state];
  const status: WorkspaceStatus = {
    state,
    sub: user.sub,
    username: user.username,
    slug: user.slug,
    containerName: placement.name,
    ...(placement.instanceId ? { containerId: placement.instanceId } : {}),
    ...(placement.node ? { node: placement.node } : {}),
    ...(placement.startedAt ? { startedAt: placement.startedAt } : {}),
    ...(placement.address ? { ipAddress: placement.address } : {}),
    ...(placement.reason ? { error: placement.reason } : {}),
  };
  if (state !== "stopped") return status;
  if (placement.state === "created") return { ...status, stopReason: "never_started" };
  return {
    ...status,
    ...(placement.stoppedAt ? { stoppedAt: placement.stoppedAt } : {}),
    ...(placement.exitCode !== undefined ? { exitCode: placement.exitCode } : {}),
    stopReason: placement.oomKilled ? "out_of_memory" : "exited",
  };
}

/** Where a running workspace runs, as its status says: what its backend needs to reach it; null when it is not running. */
export function runningAt(status: WorkspaceStatus): RunningAt | null {
  if (status.state !== "running" || !status.containerId) return null;
  return { slug: status.slug, instanceId: status.containerId, ...(status.node ? { node: status.node } : {}) };
}
