import { getPortal } from "@/lib/portal-instance";
import { TERMINAL_ID_PATTERN } from "@/lib/terminal/terminal-service";
import { jsonError, requireUserChange } from "../../_shared/guard";

export const dynamic = "force-dynamic";

/** Closes one of the caller's terminals: its shell and everything started in it end. */
export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  const { id } = await params;
  if (!TERMINAL_ID_PATTERN.test(id)) return jsonError(400, "bad_request", "That is not a terminal id.");
  const closed = await getPortal().terminals.close(user, id);
  return closed ? new Response(null, { status: 204 }) : jsonError(404, "not_found", "You have no open terminal with that id.");
}
