import { getPortal } from "@/lib/portal-instance";
import { requireUser } from "../_shared/guard";

export const dynamic = "force-dynamic";

/** The caller's open terminals, so a reloaded page can reattach to every one of them. */
export async function GET(req: Request): Promise<Response> {
  const user = await requireUser(req);
  if (user instanceof Response) return user;
  return Response.json({ terminals: getPortal().terminals.list(user) }, { headers: { "cache-control": "no-store" } });
}
