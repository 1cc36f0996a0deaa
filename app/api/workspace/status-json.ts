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
  /** The home directory's last measured size and the user's limits (null: none). */
  disk?: { usedBytes: number; measuredAt: string; softBytes: number | null; hardBytes: number | null };
}

export function toView(status: WorkspaceStatus): WorkspaceView {
  const portal = getPortal();
  const deadline = status.state === "running" ? portal.idle.deadline(status.sub, status.startedAt) : null;
  const cause = status.state === "stopped" ? portal.audit.lastStop(status.sub)?.detail.cause : undefined;
  const usage = portal.disk.get(status.slug);
  const quota = portal.quotas.for(portal.registry.bySub(status.sub) ?? { username: status.username });
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
    ...(usage
      ? {
          disk: {
            usedBytes: usage.bytes,
            measuredAt: usage.measuredAt.toISOString(),
            softBytes: quota.diskSoftBytes,
            hardBytes: quota.diskHardBytes,
          },
        }
      : {}),
  };
}
