import { getPortal } from "@/lib/portal-instance";
import { errorResponse, jsonError, requireUserChange } from "../../_shared/guard";
import { toView } from "../status-json";

export const dynamic = "force-dynamic";

/** "+1 h": the idle stop of the caller's running workspace moves an hour later, within the operator's limit. */
export async function POST(req: Request): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  try {
    const portal = getPortal();
    const status = await portal.workspaces.status(user);
    if (status.state !== "running") return jsonError(409, "not_running", "Your workspace is not running: there is no stop to move.");
    if (!(await portal.idle.extend(status.sub, status.startedAt))) {
      return jsonError(400, "not_allowed", "This portal does not let the idle stop be moved.");
    }
    return Response.json(await toView(status));
  } catch (error) {
    return errorResponse(error);
  }
}
