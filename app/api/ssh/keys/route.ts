import { z } from "zod";
import { getPortal } from "@/lib/portal-instance";
import { isPublicKeyError } from "@/lib/ssh/public-key";
import { jsonError, requireUser, requireUserChange } from "../../_shared/guard";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const user = await requireUser(req);
  if (user instanceof Response) return user;
  return Response.json({ keys: await getPortal().ssh.keys.list(user.sub) }, { headers: { "cache-control": "no-store" } });
}

const addSchema = z.object({
  publicKey: z.string().max(16_384, "That is far too long to be a public key."),
  name: z.string().max(100, "Names are at most 100 characters.").optional(),
});

export async function POST(req: Request): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  const body = addSchema.safeParse(await req.json().catch(() => null));
  if (!body.success) return jsonError(400, "bad_request", body.error.issues[0]?.message ?? "Send a public key.");
  try {
    const portal = getPortal();
    await portal.registry.register(user);
    const key = await portal.ssh.keys.add(user, body.data.publicKey, body.data.name);
    portal.log.info({ user: user.username, fingerprint: key.fingerprint }, "ssh key added");
    return Response.json(key, { status: 201 });
  } catch (error) {
    if (isPublicKeyError(error)) return jsonError(400, "bad_key", error.message);
    throw error;
  }
}
