import { getPortal } from "@/lib/portal-instance";
import type { AuditAction } from "@/lib/audit/audit-log";
import { requireAdmin } from "../../_shared/guard";

export const dynamic = "force-dynamic";

const ACTIONS = new Set<AuditAction>([
  "sign-in",
  "workspace.create",
  "workspace.start",
  "workspace.stop",
  "workspace.remove",
  "ssh.login",
  "ssh.key.add",
  "ssh.key.delete",
  "admin.action",
]);

/** The audit log, newest first, filtered by action and/or a user (username, subject or actor). */
export async function GET(req: Request): Promise<Response> {
  const admin = await requireAdmin(req);
  if (admin instanceof Response) return admin;
  const query = new URL(req.url).searchParams;
  const action = query.get("action");
  const subject = query.get("user")?.trim();
  const entries = getPortal().audit.list({
    ...(action && ACTIONS.has(action as AuditAction) ? { action: action as AuditAction } : {}),
    ...(subject ? { subject: subject.slice(0, 200) } : {}),
    limit: 200,
  });
  return Response.json({ entries }, { headers: { "cache-control": "no-store" } });
}
