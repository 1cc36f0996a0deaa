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
    const listed = status.state === "running" ? await portal.ports.get(user) : [];
    // Each port's own address, to copy and share with yourself (it opens only for you).
    const ports = listed.map((p) => ({ ...p, url: portal.apps.domain.origin({ slug: status.slug, app: { kind: "port", port: p.port } }) + "/" }));
    return Response.json({ name: status.slug, ports }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
