import { getPortal } from "@/lib/portal-instance";
import type { StopCause } from "@/lib/workspace/manager";
import type { WorkspaceStatus } from "@/lib/workspace/types";

/** What the browser may know about a workspace: no container ids or network addresses. */
export interface WorkspaceView {
  state: WorkspaceStatus["state"];
  username: string;
  name: string;
  startedAt?: string;
  stoppedAt?: string;
  stopReason?: WorkspaceStatus["stopReason"];
  /** Who or what stopped it: its owner, the idle stop, or an admin. */
  stopCause?: StopCause;
  exitCode?: number;
  /** While running: when the idle stop will stop it if nobody uses it before then. */
  idleStopAt?: string;
}

export function toView(status: WorkspaceStatus): WorkspaceView {
  const portal = getPortal();
  const deadline = status.state === "running" ? portal.idle.deadline(status.sub, status.startedAt) : null;
  const cause = status.state === "stopped" ? portal.audit.lastStop(status.sub)?.detail.cause : undefined;
  return {
    state: status.state,
    username: status.username,
    name: status.slug,
    ...(status.startedAt ? { startedAt: status.startedAt.toISOString() } : {}),
    ...(status.stoppedAt ? { stoppedAt: status.stoppedAt.toISOString() } : {}),
    ...(status.stopReason ? { stopReason: status.stopReason } : {}),
    ...(cause === "user" || cause === "idle" || cause === "admin" ? { stopCause: cause } : {}),
    ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
    ...(deadline ? { idleStopAt: deadline.toISOString() } : {}),
  };
}
