import { z } from "zod";
import { parseAppName } from "@/lib/apps/app-address";
import { ticketUrl } from "@/lib/apps/app-links";
import { getPortal } from "@/lib/portal-instance";
import { localPath } from "@/lib/util/local-path";
import { jsonError, requireUserChange } from "../../_shared/guard";

export const dynamic = "force-dynamic";

const bodySchema = z.object({
  app: z.string().regex(/^(code|nb|[1-9]\d{0,4})$/, "expected code, nb or a port number"),
  path: z.string().max(4096).optional(),
});

/**
 * A ticket to one app of the caller's own workspace, asked for by the portal's own pages only: the URL to send the
 * browser to, where the app's host exchanges it (once, within a minute) for a cookie of its own.
 */
export async function POST(req: Request): Promise<Response> {
  const user = await requireUserChange(req);
  if (user instanceof Response) return user;
  const body = bodySchema.safeParse(await req.json().catch(() => null));
  const app = body.success ? parseAppName(body.data.app) : null;
  if (!body.success || !app) return jsonError(400, "bad_request", "Say which app to open: code, nb, or a port from 1 to 65535.");
  if (!user.sid) return jsonError(401, "unauthenticated", "Your sign-in is from an older version of the portal. Sign in again.");
  const portal = getPortal();
  const slug = (await portal.registry.slugOf(user.sub)) ?? (await portal.registry.register(user)).slug;
  const address = { slug, app };
  const ticket = await portal.apps.tickets.issue(
    {
      sub: user.sub,
      sid: user.sid,
      address,
      path: localPath(body.data.path),
      portalExpiresAt: user.expiresAt ?? Date.now() + portal.auth.settings.sessionMaxAgeSeconds * 1000,
    },
    portal.apps.domain.host(address),
  );
  return Response.json({ url: ticketUrl(portal.apps.domain.origin(address), ticket) }, { headers: { "cache-control": "no-store" } });
}
