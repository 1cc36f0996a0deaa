import { getPortal } from "@/lib/portal-instance";
import { errorResponse, requireAdmin } from "../../_shared/guard";
import type { AdminWorkspaceRow, AdminWorkspacesView } from "@/lib/workspace/admin-row";
import { dataDiskProblem } from "@/lib/quota/xfs-project-quota";
import { usersRoot } from "@/lib/workspace/home";

export const dynamic = "force-dynamic";

/** Every workspace of this portal, with usage for the running ones. */
export async function GET(req: Request): Promise<Response> {
  const admin = await requireAdmin(req);
  if (admin instanceof Response) return admin;
  try {
    const portal = getPortal();
    const now = Date.now();
    const rows = await Promise.all(
      (await portal.workspaces.list()).map(async (ws): Promise<AdminWorkspaceRow> => {
        const owner = { sub: ws.sub, username: ws.username };
        const stats = ws.state === "running" ? await portal.workspaces.stats(owner).catch(() => null) : null;
        const last = portal.activity.lastActivity(ws.sub)?.at ?? ws.startedAt?.getTime();
        const deadline = ws.state === "running" ? await portal.idle.deadline(ws.sub, ws.startedAt) : null;
        const account = await portal.accounts.of(ws.sub);
        return {
          name: ws.slug,
          username: ws.username,
          sub: ws.sub,
          disabled: account.disabled,
          providerRefused: account.providerRefused,
          knownOwner: (await portal.registry.bySub(ws.sub)) !== undefined,
          state: ws.state,
          ...(ws.startedAt ? { startedAt: ws.startedAt.toISOString() } : {}),
          ...(ws.state === "running" && ws.startedAt ? { uptimeSeconds: Math.round((now - ws.startedAt.getTime()) / 1000) } : {}),
          ...(ws.state === "running" && last ? { idleSeconds: Math.max(0, Math.round((now - last) / 1000)) } : {}),
          ...(deadline ? { idleStopAt: deadline.toISOString() } : {}),
          ...(ws.stopReason ? { stopReason: ws.stopReason } : {}),
          ...(stats ? { cpuPercent: stats.cpuPercent, memoryBytes: stats.memoryBytes, memoryLimitBytes: stats.memoryLimitBytes, pids: stats.pids } : {}),
        };
      }),
    );
    rows.sort((a, b) => a.username.localeCompare(b.username));
    const queue = await Promise.all((await portal.gate.waitingSubs()).map(async (sub) => (await portal.registry.bySub(sub))?.username ?? sub));
    const egress = portal.egress ? await portal.egress.problem() : "WORKSPACE_EGRESS_FIREWALL=false: the host firewall is kept by the operator";
    const disk = dataDiskProblem(portal.config.dataRoot, usersRoot(portal.config.dataRoot), portal.diskEnforced);
    return Response.json({ workspaces: rows, queue, cap: portal.gate.cap, egress, disk } satisfies AdminWorkspacesView, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
