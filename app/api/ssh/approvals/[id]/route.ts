import { z } from "zod";
import { getPortal } from "@/lib/portal-instance";
import { jsonError, requireUserChange } from "../../../_shared/guard";

export const dynamic = "force-dynamic";

const decisionSchema = z.object({ approve: z.boolean() });

/** The signed-in user approves (or denies) an SSH login waiting for them. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  const body = decisionSchema.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "bad_request", "Say whether to approve.");
  const { id } = await params;
  const portal = getPortal();
  if (!(await portal.ssh.approvals.decide(id, user, body.data.approve))) {
    return jsonError(404, "not_found", "This login request has expired, was already answered, or is not for your account.");
  }
  portal.log.info({ user: user.username, approved: body.data.approve }, "ssh login decided in the browser");
  return Response.json({ approved: body.data.approve });
}
