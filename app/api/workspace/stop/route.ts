import { getPortal } from "@/lib/portal-instance";
import { errorResponse, requireUserChange } from "../../_shared/guard";
import { toView } from "../status-json";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  try {
    return Response.json(await toView(await getPortal().workspaces.stop(user)));
  } catch (error) {
    return errorResponse(error);
  }
}
