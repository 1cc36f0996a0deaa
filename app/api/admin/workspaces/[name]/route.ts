import { z } from "zod";
import { getPortal } from "@/lib/portal-instance";
import { errorResponse, jsonError, requireAdmin } from "../../../_shared/guard";

export const dynamic = "force-dynamic";

const actionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("stop") }),
  z.object({ action: z.literal("restart") }),
  /** Refuses the owner at every door and ends every sign-in, terminal, app and SSH connection they have open. */
  z.object({ action: z.literal("disable") }),
  z.object({ action: z.literal("enable") }),
  z.object({
    action: z.literal("remove"),
    /** Deleting the home directory must be asked for twice: the flag, and the owner's username typed again. */
    deleteHome: z.boolean().optional(),
    confirmUsername: z.string().optional(),
  }),
]);

/** An admin stops, restarts or removes someone's workspace, or disables its owner; every action is audited. */
export async function POST(req: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  const admin = await requireAdmin(req, true);
  if (admin instanceof Response) return admin;
  const body = actionSchema.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "bad_request", "Say which action: stop, restart, remove, disable or enable.");
  const { name } = await params;
  const portal = getPortal();
  const target = (await portal.workspaces.list()).find((w) => w.slug === name);
  if (!target) return jsonError(404, "not_found", `There is no workspace named ${name}.`);
  const owner = { sub: target.sub, username: target.username };
  const action = body.data;
  try {
    if (action.action === "disable") {
      if (owner.sub === admin.sub) return jsonError(400, "bad_request", "You cannot disable your own account.");
      portal.accounts.disable(owner.sub);
    }
    if (action.action === "enable") portal.accounts.enable(owner.sub);
    if (action.action === "stop") await portal.workspaces.stop(owner, "admin");
    if (action.action === "restart") {
      await portal.workspaces.stop(owner, "admin");
      await portal.workspaces.ensureRunning(owner);
    }
    if (action.action === "remove") {
      if (action.deleteHome && action.confirmUsername !== target.username) {
        return jsonError(400, "confirm", `To delete the home directory too, type the owner's username (${target.username}) to confirm.`);
      }
      await portal.workspaces.remove(owner, { deleteHome: action.deleteHome === true });
    }
    portal.audit.record("admin.action", { actor: admin.username, subject: owner, detail: { ...action } });
    return Response.json({ done: action.action });
  } catch (error) {
    return errorResponse(error);
  }
}
