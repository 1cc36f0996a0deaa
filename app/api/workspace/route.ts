import { getPortal } from "@/lib/portal-instance";
import { errorResponse, requireUser } from "../_shared/guard";
import { toView } from "./status-json";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const user = await requireUser(req);
  if (user instanceof Response) return user;
  try {
    const status = await getPortal().workspaces.status(user);
    return Response.json(await toView(status), { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
