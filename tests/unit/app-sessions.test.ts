import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppSessions, RECHECK_MS } from "../../lib/apps/app-sessions";
import { openDatabase, type PortalDatabase } from "../../lib/store/db";

const CODE = "code--alice-xakvtnsb.apps-example.org";
const PORT = "8000--alice-xakvtnsb.apps-example.org";
const MALLORY = "code--mallory-abcdefgh.apps-example.org";
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR = 3600_000;

let dir: string;
let db: PortalDatabase;
let now: number;
const clock = () => now;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-sessions-"));
  db = openDatabase(dir);
  now = T0;
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = (host: string, portalSid = "portal-1", portalExpiresAt = T0 + 8 * HOUR) => ({ sub: "17", host, portalSid, portalExpiresAt });

/** Every call a listener received, as sorted id lists. */
function listen(sessions: AppSessions): string[][] {
  const calls: string[][] = [];
  sessions.onEnded((ids) => calls.push([...ids].sort()));
  return calls;
}

describe("app sessions", () => {
  it("finds the session a token names, on its own host only", () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = sessions.create(input(CODE));
    expect(session).toEqual({ id: expect.any(String), sub: "17", host: CODE, portalSid: "portal-1", expiresAt: T0 + 8 * HOUR });
    expect(sessions.lookup(token, CODE)).toEqual(session);
    expect(sessions.lookup(token, PORT)).toBeNull();
    expect(sessions.lookup(token, MALLORY)).toBeNull();
    expect(sessions.lookup(token, CODE.toUpperCase())).toBeNull();
  });

  it("knows no token it did not make", () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = sessions.create(input(CODE));
    expect(sessions.lookup("", CODE)).toBeNull();
    expect(sessions.lookup("not-a-token", CODE)).toBeNull();
    expect(sessions.lookup(`${token}x`, CODE)).toBeNull();
    // The session's id (the token's hash, what logs show) is not itself a token.
    expect(sessions.lookup(session.id, CODE)).toBeNull();
  });

  it("gives every sign-in its own token", () => {
    const sessions = new AppSessions(db, clock);
    const a = sessions.create(input(CODE));
    const b = sessions.create(input(CODE));
    expect(a.token).not.toBe(b.token);
    expect(a.session.id).not.toBe(b.session.id);
    expect(sessions.lookup(a.token, CODE)?.id).toBe(a.session.id);
    expect(sessions.lookup(b.token, CODE)?.id).toBe(b.session.id);
  });

  it("keeps no usable token in the database", () => {
    const sessions = new AppSessions(db, clock);
    const { token } = sessions.create(input(CODE));
    const dump = JSON.stringify(db.prepare("SELECT * FROM app_sessions").all());
    expect(dump).toContain(CODE);
    expect(dump).not.toContain(token);
  });

  it("survives a restart of the portal", () => {
    const { token, session } = new AppSessions(db, clock).create(input(CODE));
    db.close();
    db = openDatabase(dir);
    expect(new AppSessions(db, clock).lookup(token, CODE)).toEqual(session);
  });

  it("ends when the portal session does", () => {
    const sessions = new AppSessions(db, clock);
    const { token } = sessions.create(input(CODE, "portal-1", T0 + HOUR));
    now = T0 + HOUR - 1;
    expect(sessions.lookup(token, CODE)).not.toBeNull();
    now = T0 + HOUR;
    expect(sessions.lookup(token, CODE)).toBeNull();
  });

  it("ends when the portal session does, even when asked again from a fresh process", () => {
    const { token } = new AppSessions(db, clock).create(input(CODE, "portal-1", T0 + HOUR));
    now = T0 + HOUR;
    expect(new AppSessions(db, clock).lookup(token, CODE)).toBeNull();
  });

  it("never lasts more than 12 hours, however long the portal session does", () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = sessions.create(input(CODE, "portal-1", T0 + 30 * 24 * HOUR));
    expect(session.expiresAt).toBe(T0 + 12 * HOUR);
    now = T0 + 12 * HOUR - 1;
    expect(sessions.lookup(token, CODE)).not.toBeNull();
    now = T0 + 12 * HOUR;
    expect(sessions.lookup(token, CODE)).toBeNull();
  });

  it("is dead on arrival when the portal session has already ended", () => {
    const sessions = new AppSessions(db, clock);
    const { token } = sessions.create(input(CODE, "portal-1", T0 - 1));
    expect(sessions.lookup(token, CODE)).toBeNull();
  });

  describe("signing out of the portal", () => {
    it("ends every app session made under it, and tells the listeners which", () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      const code = sessions.create(input(CODE, "portal-1"));
      const port = sessions.create(input(PORT, "portal-1"));
      const otherBrowser = sessions.create(input(CODE, "portal-2"));
      sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(calls).toEqual([[code.session.id, port.session.id].sort()]);
      expect(sessions.lookup(code.token, CODE)).toBeNull();
      expect(sessions.lookup(port.token, PORT)).toBeNull();
      expect(sessions.lookup(otherBrowser.token, CODE)).toEqual(otherBrowser.session);
    });

    it("is remembered, so a ticket issued under it cannot start a new app session", () => {
      const sessions = new AppSessions(db, clock);
      expect(sessions.isPortalSessionEnded("portal-1")).toBe(false);
      sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(sessions.isPortalSessionEnded("portal-2")).toBe(false);
      // A fresh process reads it from the store.
      expect(new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
    });

    it("tells nobody when there was nothing to end", () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      sessions.create(input(CODE, "portal-2"));
      sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(calls).toEqual([]);
    });

    it("tells every listener", () => {
      const sessions = new AppSessions(db, clock);
      const first = listen(sessions);
      const second = listen(sessions);
      const { session } = sessions.create(input(CODE));
      sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(first).toEqual([[session.id]]);
      expect(second).toEqual([[session.id]]);
    });

    it("reaches another process sharing the store within RECHECK_MS", () => {
      const here = new AppSessions(db, clock);
      const there = new AppSessions(db, clock);
      const { token } = here.create(input(CODE));
      // The other process has seen (and remembers) the session.
      expect(there.lookup(token, CODE)).not.toBeNull();
      now = T0 + 1000;
      here.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(there.isPortalSessionEnded("portal-1")).toBe(true);
      now = T0 + 1000 + RECHECK_MS;
      expect(there.lookup(token, CODE)).toBeNull();
      // And it stays ended, however long after.
      now = T0 + 2 * HOUR;
      expect(there.lookup(token, CODE)).toBeNull();
    });

    it("reaches another process at once when that process had not seen the session yet", () => {
      const here = new AppSessions(db, clock);
      const { token } = here.create(input(CODE));
      here.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(new AppSessions(db, clock).lookup(token, CODE)).toBeNull();
    });

    it("is remembered as long as the portal session's cookie could be replayed, and forgotten after", () => {
      const sessions = new AppSessions(db, clock);
      sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      now = T0 + 8 * HOUR - 1;
      sessions.sweep();
      expect(sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
      now = T0 + 8 * HOUR;
      sessions.sweep();
      expect(sessions.isPortalSessionEnded("portal-1")).toBe(false);
    });

    it("is remembered for at least a minute, as long as a ticket issued just before it lasts", () => {
      const sessions = new AppSessions(db, clock);
      // A portal session that was about to end anyway when its user signed out.
      sessions.endPortalSession("portal-1", T0 + 1000);
      now = T0 + 59_000;
      sessions.sweep();
      expect(sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
    });
  });

  describe("sweeping", () => {
    it("ends expired sessions and tells the listeners which, once", () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      const short = sessions.create(input(CODE, "portal-1", T0 + HOUR));
      const long = sessions.create(input(PORT, "portal-1", T0 + 2 * HOUR));
      now = T0 + HOUR - 1;
      sessions.sweep();
      expect(calls).toEqual([]);
      now = T0 + HOUR;
      sessions.sweep();
      expect(calls).toEqual([[short.session.id]]);
      sessions.sweep();
      expect(calls).toEqual([[short.session.id]]);
      expect(sessions.lookup(long.token, PORT)).toEqual(long.session);
      now = T0 + 2 * HOUR;
      sessions.sweep();
      expect(calls).toEqual([[short.session.id], [long.session.id]]);
    });

    it("removes expired sessions from the store", () => {
      const sessions = new AppSessions(db, clock);
      sessions.create(input(CODE, "portal-1", T0 + HOUR));
      const count = () => (db.prepare("SELECT count(*) AS n FROM app_sessions").get() as { n: number }).n;
      expect(count()).toBe(1);
      now = T0 + HOUR;
      sessions.sweep();
      expect(count()).toBe(0);
    });
  });
});
