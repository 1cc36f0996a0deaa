import { z } from "zod";
import type { AdminAction, AdminRefusal } from "@/lib/admin/workspace-actions";
import { getPortal } from "@/lib/portal-instance";
import { errorResponse, jsonError, requireAdmin } from "../../../_shared/guard";

export const dynamic = "force-dynamic";

const actionSchema: z.ZodType<AdminAction> = z.discriminatedUnion("action", [
  z.object({ action: z.literal("stop") }),
  z.object({ action: z.literal("restart") }),
  z.object({ action: z.literal("disable") }),
  z.object({ action: z.literal("enable") }),
  z.object({ action: z.literal("remove"), deleteHome: z.boolean().optional(), confirmUsername: z.string().optional() }),
]);

const STATUS: Record<AdminRefusal["refused"], { status: number; code: string }> = {
  not_found: { status: 404, code: "not_found" },
  own_account: { status: 400, code: "bad_request" },
  confirm: { status: 400, code: "confirm" },
};

/** An admin stops, restarts or removes someone's workspace, or disables its owner (lib/admin: taken and audited). */
export async function POST(req: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  const admin = await requireAdmin(req, true);
  if (admin instanceof Response) return admin;
  const body = actionSchema.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "bad_request", "Say which action: stop, restart, remove, disable or enable.");
  const { name } = await params;
  try {
    const refusal = await getPortal().adminActions.take(admin, name, body.data);
    if (refusal) return jsonError(STATUS[refusal.refused].status, STATUS[refusal.refused].code, refusal.message);
    return Response.json({ done: body.data.action });
  } catch (error) {
    return errorResponse(error);
  }
}
