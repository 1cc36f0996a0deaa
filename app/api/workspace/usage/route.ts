import { getPortal } from "@/lib/portal-instance";
import { diskAlert } from "@/lib/quota/disk-alert";
import { runningAt } from "@/lib/workspace/status";
import type { WorkspaceUsageView } from "@/lib/workspace/view";
import { errorResponse, requireUser } from "../../_shared/guard";

export const dynamic = "force-dynamic";

/**
 * The caller's running workspace: CPU, memory of its limit, and the home's last measured size, for the bar's meter,
 * with an alert when the home is full or nearly so.
 */
export async function GET(req: Request): Promise<Response> {
  const user = await requireUser(req);
  if (user instanceof Response) return user;
  try {
    const portal = getPortal();
    const status = await portal.workspaces.status(user);
    const where = runningAt(status);
    if (!where) return Response.json({ running: false } satisfies WorkspaceUsageView, { headers: { "cache-control": "no-store" } });
    const usage = await portal.usage.read(where);
    const disk = portal.disk.get(status.slug);
    const quota = portal.quotas.for((await portal.registry.bySub(status.sub)) ?? { username: status.username });
    // A full home says so in words: where the file system enforces the limit, a failed write says only "Disk quota exceeded".
    const alert = disk && diskAlert(disk.bytes, { softBytes: quota.diskSoftBytes, hardBytes: quota.diskHardBytes, enforced: portal.diskEnforced });
    return Response.json(
      {
        running: true,
        ...usage,
        ...(disk ? { diskBytes: disk.bytes, diskLimitBytes: quota.diskHardBytes, ...(alert ? { diskAlert: alert } : {}) } : {}),
      } satisfies WorkspaceUsageView,
      { headers: { "cache-control": "no-store" } },
    );
  } catch (error) {
    return errorResponse(error);
  }
}
