import { createHash, randomBytes } from "node:crypto";
import type { PortalDatabase } from "../store/db";

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

interface Row {
  token_hash: string;
  sub: string;
  host: string;
  portal_sid: string;
  expires_at: number;
}

// How long one process trusts its memory before asking the store again; another process that shares the store
// (and so sees a sign-out first) is believed within this time.
export const RECHECK_MS = 30_000;
const MAX_LIFETIME_MS = 12 * 3600_000;
const MAX_CACHED = 20_000;

const hashOf = (token: string) => createHash("sha256").update(token).digest("base64url");

/**
 * App sessions, kept in the portal's database so a restarted portal keeps every open VS Code tab signed in, and
 * ended with the portal session they came from. Lookups are synchronous (SQLite in-process, memory in front), so
 * the proxy's hot path takes no promise.
 */
export class AppSessions {
  private readonly cache = new Map<string, { session: AppSession; checkedAt: number }>();
  private readonly ended = new Map<string, number>();
  private readonly listeners: Array<(ids: string[]) => void> = [];
  private readonly stmts;

  constructor(
    db: PortalDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      insert: db.prepare("INSERT INTO app_sessions (token_hash, sub, host, portal_sid, expires_at) VALUES (?, ?, ?, ?, ?)"),
      byHash: db.prepare("SELECT * FROM app_sessions WHERE token_hash = ?"),
      byPortalSid: db.prepare("SELECT token_hash FROM app_sessions WHERE portal_sid = ?"),
      deleteByPortalSid: db.prepare("DELETE FROM app_sessions WHERE portal_sid = ?"),
      bySub: db.prepare("SELECT token_hash FROM app_sessions WHERE sub = ?"),
      deleteBySub: db.prepare("DELETE FROM app_sessions WHERE sub = ?"),
      endPortal: db.prepare("INSERT OR REPLACE INTO ended_portal_sessions (sid, expires_at) VALUES (?, ?)"),
      portalEnded: db.prepare("SELECT expires_at FROM ended_portal_sessions WHERE sid = ?"),
      expired: db.prepare("SELECT token_hash FROM app_sessions WHERE expires_at <= ?"),
      sweepSessions: db.prepare("DELETE FROM app_sessions WHERE expires_at <= ?"),
      sweepEnded: db.prepare("DELETE FROM ended_portal_sessions WHERE expires_at <= ?"),
    };
  }

  /** A new session on `host`; returns the token for the cookie. It never outlives the portal session. */
  create(input: { sub: string; host: string; portalSid: string; portalExpiresAt: number }): { token: string; session: AppSession } {
    const token = randomBytes(32).toString("base64url");
    const session: AppSession = {
      id: hashOf(token),
      sub: input.sub,
      host: input.host,
      portalSid: input.portalSid,
      expiresAt: Math.min(input.portalExpiresAt, this.now() + MAX_LIFETIME_MS),
    };
    this.stmts.insert.run(session.id, session.sub, session.host, session.portalSid, session.expiresAt);
    this.remember(token, session);
    return { token, session };
  }

  /** The live session this token names on this host, or null (unknown, expired, ended, or another app's). */
  lookup(token: string, host: string): AppSession | null {
    const now = this.now();
    const hit = this.cache.get(token);
    let session = hit && now - hit.checkedAt < RECHECK_MS ? hit.session : undefined;
    if (!session) {
      const row = this.stmts.byHash.get(hashOf(token)) as Row | undefined;
      if (!row) {
        this.cache.delete(token);
        return null;
      }
      session = { id: row.token_hash, sub: row.sub, host: row.host, portalSid: row.portal_sid, expiresAt: row.expires_at };
      this.remember(token, session);
    }
    if (session.expiresAt <= now || session.host !== host) return null;
    return session;
  }

  /** Signing out of the portal: every app session made under it ends now, and so do tickets not yet used. */
  endPortalSession(sid: string, portalExpiresAt: number): void {
    const ids = (this.stmts.byPortalSid.all(sid) as Array<{ token_hash: string }>).map((r) => r.token_hash);
    this.stmts.deleteByPortalSid.run(sid);
    this.stmts.endPortal.run(sid, Math.max(portalExpiresAt, this.now() + 60_000));
    this.ended.set(sid, portalExpiresAt);
    for (const [token, entry] of this.cache) if (entry.session.portalSid === sid) this.cache.delete(token);
    if (ids.length) this.notify(ids);
  }

  /** An account disabled: every app session it has ends now. */
  endForSubject(sub: string): void {
    const ids = (this.stmts.bySub.all(sub) as Array<{ token_hash: string }>).map((r) => r.token_hash);
    this.stmts.deleteBySub.run(sub);
    for (const [token, entry] of this.cache) if (entry.session.sub === sub) this.cache.delete(token);
    if (ids.length) this.notify(ids);
  }

  isPortalSessionEnded(sid: string): boolean {
    if (this.ended.has(sid)) return true;
    const row = this.stmts.portalEnded.get(sid) as { expires_at: number } | undefined;
    if (row) this.ended.set(sid, row.expires_at);
    return row !== undefined;
  }

  /** Called with the ids of sessions that have just ended, so their open connections can be closed. */
  onEnded(listener: (ids: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Ends expired sessions (closing their connections) and forgets what can no longer matter. */
  sweep(): void {
    const now = this.now();
    const ids = (this.stmts.expired.all(now) as Array<{ token_hash: string }>).map((r) => r.token_hash);
    this.stmts.sweepSessions.run(now);
    this.stmts.sweepEnded.run(now);
    for (const [token, entry] of this.cache) if (entry.session.expiresAt <= now) this.cache.delete(token);
    for (const [sid, until] of this.ended) if (until <= now) this.ended.delete(sid);
    if (ids.length) this.notify(ids);
  }

  private remember(token: string, session: AppSession): void {
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(token, { session, checkedAt: this.now() });
  }

  private notify(ids: string[]): void {
    for (const listener of this.listeners) listener(ids);
  }
}
