import { createHash, randomBytes } from "node:crypto";
import type { PortalDb } from "../store/schema";

/** A browser's sign-in on one app's host, made from a ticket; the cookie holds its token, the store its hash. */
export interface AppSession {
  /** The token's hash: names the session in the store and in logs without being a credential. */
  id: string;
  sub: string;
  host: string;
  portalSid: string;
  /** ms since the epoch */
  expiresAt: number;
}

// How long one process trusts its memory before asking the store again; another process that shares the store
// (and so sees a sign-out first) is believed within this time.
export const RECHECK_MS = 30_000;
const MAX_LIFETIME_MS = 12 * 3600_000;
const MAX_CACHED = 20_000;

const hashOf = (token: string) => createHash("sha256").update(token).digest("base64url");

/**
 * App sessions, kept in the portal's database so a restarted portal keeps every open VS Code tab signed in, and
 * ended with the portal session they came from. Memory is in front of the store: the proxy asks on every request,
 * and a lookup it has seen within RECHECK_MS asks no database.
 */
export class AppSessions {
  private readonly cache = new Map<string, { session: AppSession; checkedAt: number }>();
  private readonly ended = new Map<string, number>();
  private readonly listeners: Array<(ids: string[]) => void> = [];

  constructor(
    private readonly db: PortalDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session on `host`; returns the token for the cookie. It never outlives the portal session. */
  async create(input: { sub: string; host: string; portalSid: string; portalExpiresAt: number }): Promise<{ token: string; session: AppSession }> {
    const token = randomBytes(32).toString("base64url");
    const session: AppSession = {
      id: hashOf(token),
      sub: input.sub,
      host: input.host,
      portalSid: input.portalSid,
      expiresAt: Math.min(input.portalExpiresAt, this.now() + MAX_LIFETIME_MS),
    };
    await this.db
      .insertInto("app_sessions")
      .values({ token_hash: session.id, sub: session.sub, host: session.host, portal_sid: session.portalSid, expires_at: session.expiresAt })
      .execute();
    this.remember(token, session);
    return { token, session };
  }

  /**
   * What memory alone says of this token on this host: the session, null (expired, another app's), or undefined
   * when only `lookup` can tell. The proxy's hot path takes no promise with it.
   */
  remembered(token: string, host: string): AppSession | null | undefined {
    const now = this.now();
    const hit = this.cache.get(token);
    if (!hit || now - hit.checkedAt >= RECHECK_MS) return undefined;
    return hit.session.expiresAt <= now || hit.session.host !== host ? null : hit.session;
  }

  /** The live session this token names on this host, or null (unknown, expired, ended, or another app's). */
  async lookup(token: string, host: string): Promise<AppSession | null> {
    const known = this.remembered(token, host);
    if (known !== undefined) return known;
    const row = await this.db.selectFrom("app_sessions").selectAll().where("token_hash", "=", hashOf(token)).executeTakeFirst();
    if (!row) {
      this.cache.delete(token);
      return null;
    }
    const session: AppSession = { id: row.token_hash, sub: row.sub, host: row.host, portalSid: row.portal_sid, expiresAt: row.expires_at };
    this.remember(token, session);
    const now = this.now();
    if (session.expiresAt <= now || session.host !== host) return null;
    return session;
  }

  /** Signing out of the portal: every app session made under it ends now, and so do tickets not yet used. */
  async endPortalSession(sid: string, portalExpiresAt: number): Promise<void> {
    const ended = await this.db.deleteFrom("app_sessions").where("portal_sid", "=", sid).returning("token_hash").execute();
    const expiresAt = Math.max(portalExpiresAt, this.now() + 60_000);
    await this.db
      .insertInto("ended_portal_sessions")
      .values({ sid, expires_at: expiresAt })
      .onConflict((oc) => oc.column("sid").doUpdateSet({ expires_at: expiresAt }))
      .execute();
    this.ended.set(sid, portalExpiresAt);
    for (const [token, entry] of this.cache) if (entry.session.portalSid === sid) this.cache.delete(token);
    if (ended.length) this.notify(ended.map((r) => r.token_hash));
  }

  /** An account disabled: every app session it has ends now. */
  async endForSubject(sub: string): Promise<void> {
    const ended = new Set((await this.db.deleteFrom("app_sessions").where("sub", "=", sub).returning("token_hash").execute()).map((r) => r.token_hash));
    // Those another process deleted first (the account was shut out there) may still have sockets open here.
    for (const [token, entry] of this.cache) {
      if (entry.session.sub !== sub) continue;
      ended.add(entry.session.id);
      this.cache.delete(token);
    }
    if (ended.size) this.notify([...ended]);
  }

  async isPortalSessionEnded(sid: string): Promise<boolean> {
    if (this.ended.has(sid)) return true;
    const row = await this.db.selectFrom("ended_portal_sessions").select("expires_at").where("sid", "=", sid).executeTakeFirst();
    if (row) this.ended.set(sid, row.expires_at);
    return row !== undefined;
  }

  /** Called with the ids of sessions that have just ended, so their open connections can be closed. */
  onEnded(listener: (ids: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Ends expired sessions (closing their connections) and forgets what can no longer matter. */
  async sweep(): Promise<void> {
    const now = this.now();
    const expired = await this.db.deleteFrom("app_sessions").where("expires_at", "<=", now).returning("token_hash").execute();
    await this.db.deleteFrom("ended_portal_sessions").where("expires_at", "<=", now).execute();
    for (const [token, entry] of this.cache) if (entry.session.expiresAt <= now) this.cache.delete(token);
    for (const [sid, until] of this.ended) if (until <= now) this.ended.delete(sid);
    if (expired.length) this.notify(expired.map((r) => r.token_hash));
  }

  private remember(token: string, session: AppSession): void {
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(token, { session, checkedAt: this.now() });
  }

  private notify(ids: string[]): void {
    for (const listener of this.listeners) listener(ids);
  }
}
