import { getPortal } from "@/lib/portal-instance";
import { jsonError, requireUserChange } from "../../../_shared/guard";

export const dynamic = "force-dynamic";

export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  const id = Number((await params).id);
  if (!Number.isSafeInteger(id)) return jsonError(400, "bad_request", "That is not a key id.");
  const portal = getPortal();
  if (!(await portal.ssh.keys.remove(user, id))) return jsonError(404, "not_found", "You have no key with that id.");
  portal.log.info({ user: user.username, key: id }, "ssh key deleted");
  return new Response(null, { status: 204 });
}
