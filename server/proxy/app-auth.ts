import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppAddress } from "../../lib/apps/app-address";
import { openUrl } from "../../lib/apps/app-links";
import type { AppSession, AppSessions } from "../../lib/apps/app-sessions";
import type { AppTickets } from "../../lib/apps/app-tickets";
import type { AppsDomain } from "../../lib/apps/apps-domain";
import type { PortalConfig } from "../../lib/config/env";
import type { AccountStatuses } from "../../lib/identity/account-status";
import type { UserRegistry } from "../../lib/identity/registry";
import { signedOutPage } from "./pages";

/** What an app's sign-in reads: its tickets and sessions, whose workspace it is, whether the account may come in. */
export interface AppAuthDeps {
  config: Pick<PortalConfig, "publicUrl">;
  apps: { domain: AppsDomain; tickets: Pick<AppTickets, "redeem">; sessions: Pick<AppSessions, "remembered" | "lookup" | "create" | "isPortalSessionEnded"> };
  registry: Pick<UserRegistry, "slugOf" | "bySub">;
  accounts: Pick<AccountStatuses, "admits">;
}

/**
 * An app's own sign-in: a cookie on the app's host alone (HttpOnly; `__Host-` and Secure over HTTPS), made from a
 * portal ticket. The portal's session cookie never comes here, and this cookie is worthless anywhere else.
 */
export class AppAuth {
  readonly cookieName: string;

  constructor(private readonly portal: AppAuthDeps) {
    this.cookieName = portal.apps.domain.secure ? "__Host-portal-app" : "portal-app";
  }

  /**
   * The session this request's cookie names on this host. Every value of the cookie is tried: a page on a sibling
   * host can plant a same-named cookie for the whole apps domain, which must not shadow the real one.
   */
  async session(cookieHeader: string | undefined, host: string): Promise<AppSession | null> {
    for (const token of this.tokens(cookieHeader)) {
      const session = await this.portal.apps.sessions.lookup(token, host);
      if (session) return session;
    }
    return null;
  }

  /** The same answer from memory alone, or undefined when one of the cookie's values needs the store. */
  rememberedSession(cookieHeader: string | undefined, host: string): AppSession | null | undefined {
    let unknown = false;
    for (const token of this.tokens(cookieHeader)) {
      const session = this.portal.apps.sessions.remembered(token, host);
      if (session) return session;
      if (session === undefined) unknown = true;
    }
    return unknown ? undefined : null;
  }

  private tokens(cookieHeader: string | undefined): string[] {
    const tokens: string[] = [];
    if (!cookieHeader) return tokens;
    const name = this.cookieName;
    let at = cookieHeader.indexOf(name);
    while (at >= 0) {
      const before = at === 0 ? "" : cookieHeader[at - 1];
      if ((before === "" || before === " " || before === ";") && cookieHeader[at + name.length] === "=") {
        const start = at + name.length + 1;
        const end = cookieHeader.indexOf(";", start);
        const token = cookieHeader.slice(start, end < 0 ? undefined : end).trim();
        if (token) tokens.push(token);
      }
      at = cookieHeader.indexOf(name, at + name.length);
    }
    return tokens;
  }

  /** `GET /__portal/auth?ticket=…`: spends the ticket, sets the app's cookie, and goes on to the page asked for. */
  async exchange(req: IncomingMessage, res: ServerResponse, address: AppAddress, host: string): Promise<void> {
    const { apps, registry, config } = this.portal;
    const token = new URL(req.url ?? "/", "http://app").searchParams.get("ticket");
    const reopen = openUrl(config.publicUrl, address, "/");
    if (req.method !== "GET" || !token) return signedOutPage(res, 400, "This is not a link to open an app.", reopen);
    const result = await apps.tickets.redeem(token, host);
    if (!result.ok) {
      const why =
        result.reason === "used"
          ? "This link to your app has been used already."
          : result.reason === "expired"
            ? "This link to your app has expired (they last a minute)."
            : "This link is not valid for this app.";
      return signedOutPage(res, 403, why, reopen);
    }
    const { ticket } = result;
    // The ticket names its workspace and app; the host it was spent on must be that one, owned by its user still.
    const owner = await registry.slugOf(ticket.sub);
    if (ticket.address.slug !== address.slug || owner !== address.slug || apps.domain.host(ticket.address) !== host) {
      return signedOutPage(res, 403, "This link is not valid for this app.", reopen);
    }
    if (await apps.sessions.isPortalSessionEnded(ticket.sid)) return signedOutPage(res, 403, "You have signed out of the portal.", reopen);
    const user = await registry.bySub(ticket.sub);
    if (!user || !(await this.portal.accounts.admits(ticket.sub, Date.now()))) return signedOutPage(res, 403, "This link is not valid for this app.", reopen);
    const { token: cookie, session } = await apps.sessions.create({
      sub: ticket.sub,
      host,
      portalSid: ticket.sid,
      portalExpiresAt: ticket.portalExpiresAt,
    });
    const maxAge = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
    const secure = apps.domain.secure ? "; Secure" : "";
    res.writeHead(303, {
      location: ticket.path,
      "set-cookie": `${this.cookieName}=${cookie}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`,
      "cache-control": "no-store",
      // The ticket is in this URL: it must not travel on in a Referer.
      "referrer-policy": "no-referrer",
    });
    res.end();
  }
}
