import { getPortal } from "@/lib/portal-instance";
import { errorResponse, requireUser } from "../../_shared/guard";

export const dynamic = "force-dynamic";

/** Ports something listens on in the caller's running workspace, for the port preview list. */
export async function GET(req: Request): Promise<Response> {
  const user = await requireUser(req);
  if (user instanceof Response) return user;
  try {
    const portal = getPortal();
    const status = await portal.workspaces.status(user);
    const ports = status.state === "running" ? await portal.ports.get(user) : [];
    return Response.json({ name: status.slug, ports }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
