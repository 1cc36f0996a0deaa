import { getPortal } from "@/lib/portal-instance";
import type { WorkspaceView } from "@/lib/workspace/view";
import type { WorkspaceStatus } from "@/lib/workspace/types";

export async function toView(status: WorkspaceStatus): Promise<WorkspaceView> {
  const portal = getPortal();
  const deadline = status.state === "running" ? await portal.idle.deadline(status.sub, status.startedAt) : null;
  const lastStop = status.state === "stopped" ? (await portal.audit.lastStop(status.sub))?.detail : undefined;
  const cause = lastStop?.cause;
  const canExtend = deadline !== null && portal.idle.canExtend(deadline);
  const usage = portal.disk.get(status.slug);
  const quota = portal.quotas.for((await portal.registry.bySub(status.sub)) ?? { username: status.username });
  return {
    state: status.state,
    username: status.username,
    name: status.slug,
    ...(status.startedAt ? { startedAt: status.startedAt.toISOString() } : {}),
    ...(status.stoppedAt ? { stoppedAt: status.stoppedAt.toISOString() } : {}),
    ...(status.stopReason ? { stopReason: status.stopReason } : {}),
    ...(cause === "user" || cause === "idle" || cause === "admin" ? { stopCause: cause } : {}),
    ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
    ...(deadline ? { idleStopAt: deadline.toISOString(), canExtend } : {}),
    ...(cause === "idle" && typeof lastStop?.idleMs === "number"
      ? { idleStop: { idleMinutes: Math.round(lastStop.idleMs / 60_000), ...(typeof lastStop.processes === "number" ? { processes: lastStop.processes } : {}) } }
      : {}),
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
