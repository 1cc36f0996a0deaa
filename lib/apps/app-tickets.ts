import { randomBytes } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import type { PortalDb } from "../store/schema";
import { deriveKey } from "../util/derive-key";
import { appName, parseAppName, type AppAddress } from "./app-address";

/** What a ticket carries: who may open which app of which workspace, and where to land. */
export interface AppTicket {
  sub: string;
  /** The portal session it was issued under: signing that session out refuses the ticket. */
  sid: string;
  address: AppAddress;
  /** The path on the app's host to go to once the ticket is exchanged. */
  path: string;
  /** When the portal session ends (ms): the app's session never outlives it. */
  portalExpiresAt: number;
}

export type RedeemResult = { ok: true; ticket: AppTicket } | { ok: false; reason: "invalid" | "expired" | "wrong_app" | "used" };

const TTL_SECONDS = 60;
const ALGORITHM = "HS256";

/**
 * Short-lived, single-use, signed tickets that carry a portal sign-in over to one app's own origin. The portal
 * puts one in the URL it sends the browser to; the app's host exchanges it for a cookie of its own. A ticket is
 * signed for one host (its audience), lives a minute, and its id is spent on first use.
 */
export class AppTickets {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly db: PortalDb,
    private readonly now: () => number = Date.now,
  ) {
    this.key = deriveKey(secret, "app tickets");
  }

  /** A ticket for `host` (the app's own host name, its audience). */
  issue(ticket: AppTicket, host: string): Promise<string> {
    const at = Math.floor(this.now() / 1000);
    return new SignJWT({ sid: ticket.sid, ws: ticket.address.slug, app: appName(ticket.address.app), path: ticket.path, pexp: ticket.portalExpiresAt })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(ticket.sub)
      .setIssuer(this.issuer)
      .setAudience(host)
      .setIssuedAt(at)
      .setExpirationTime(at + TTL_SECONDS)
      .setJti(randomBytes(16).toString("base64url"))
      .sign(this.key);
  }

  /** Checks a ticket presented on `host` and spends it: a second use of the same ticket is refused. */
  async redeem(token: string, host: string): Promise<RedeemResult> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience: host,
        currentDate: new Date(this.now()),
        requiredClaims: ["sub", "jti", "exp", "aud"],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") return { ok: false, reason: "wrong_app" };
      return { ok: false, reason: "invalid" };
    }
    const { sub, jti, exp, sid, ws, app, path, pexp } = payload;
    const parsedApp = typeof app === "string" ? parseAppName(app) : null;
    if (typeof sid !== "string" || typeof ws !== "string" || typeof path !== "string" || typeof pexp !== "number" || !parsedApp) {
      return { ok: false, reason: "invalid" };
    }
    const spent = await this.db
      .insertInto("app_tickets_used")
      .values({ jti: jti!, expires_at: exp! })
      .onConflict((oc) => oc.column("jti").doNothing())
      .executeTakeFirst();
    if (spent.numInsertedOrUpdatedRows === 0n) return { ok: false, reason: "used" };
    return { ok: true, ticket: { sub: sub!, sid, address: { slug: ws, app: parsedApp }, path, portalExpiresAt: pexp } };
  }

  /** Forgets spent tickets that could no longer be replayed anyway. */
  async sweep(): Promise<void> {
    await this.db.deleteFrom("app_tickets_used").where("expires_at", "<", Math.floor(this.now() / 1000) - 60).execute();
  }
}
