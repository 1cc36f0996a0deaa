import { getPortal } from "@/lib/portal-instance";
import { isFilterAction } from "@/lib/audit/actions";
import { requireAdmin } from "../../_shared/guard";

export const dynamic = "force-dynamic";

/** The audit log, newest first, filtered by action and/or a user (username, subject or actor). */
export async function GET(req: Request): Promise<Response> {
  const admin = await requireAdmin(req);
  if (admin instanceof Response) return admin;
  const query = new URL(req.url).searchParams;
  const action = query.get("action");
  const subject = query.get("user")?.trim();
  const entries = await getPortal().audit.list({
    ...(action && isFilterAction(action) ? { action } : {}),
    ...(subject ? { subject: subject.slice(0, 200) } : {}),
    limit: 200,
  });
  return Response.json({ entries }, { headers: { "cache-control": "no-store" } });
}
