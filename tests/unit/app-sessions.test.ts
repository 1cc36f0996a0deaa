import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppSessions, RECHECK_MS } from "../../lib/apps/app-sessions";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

const CODE = "code--alice-xakvtnsb.apps-example.org";
const PORT = "8000--alice-xakvtnsb.apps-example.org";
const MALLORY = "code--mallory-abcdefgh.apps-example.org";
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR = 3600_000;

let dir: string;
let db: PortalDb;
let now: number;
const clock = () => now;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-sessions-"));
  db = openSqliteStore(dir).db;
  now = T0;
});
afterEach(async () => {
  await db.destroy();
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
  it("finds the session a token names, on its own host only", async () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = await sessions.create(input(CODE));
    expect(session).toEqual({ id: expect.any(String), sub: "17", host: CODE, portalSid: "portal-1", expiresAt: T0 + 8 * HOUR });
    expect(await sessions.lookup(token, CODE)).toEqual(session);
    expect(await sessions.lookup(token, PORT)).toBeNull();
    expect(await sessions.lookup(token, MALLORY)).toBeNull();
    expect(await sessions.lookup(token, CODE.toUpperCase())).toBeNull();
  });

  it("knows no token it did not make", async () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = await sessions.create(input(CODE));
    expect(await sessions.lookup("", CODE)).toBeNull();
    expect(await sessions.lookup("not-a-token", CODE)).toBeNull();
    expect(await sessions.lookup(`${token}x`, CODE)).toBeNull();
    // The session's id (the token's hash, what logs show) is not itself a token.
    expect(await sessions.lookup(session.id, CODE)).toBeNull();
  });

  it("gives every sign-in its own token", async () => {
    const sessions = new AppSessions(db, clock);
    const a = await sessions.create(input(CODE));
    const b = await sessions.create(input(CODE));
    expect(a.token).not.toBe(b.token);
    expect(a.session.id).not.toBe(b.session.id);
    expect((await sessions.lookup(a.token, CODE))?.id).toBe(a.session.id);
    expect((await sessions.lookup(b.token, CODE))?.id).toBe(b.session.id);
  });

  it("keeps no usable token in the database", async () => {
    const sessions = new AppSessions(db, clock);
    const { token } = await sessions.create(input(CODE));
    const dump = JSON.stringify(await db.selectFrom("app_sessions").selectAll().execute());
    expect(dump).toContain(CODE);
    expect(dump).not.toContain(token);
  });

  it("survives a restart of the portal", async () => {
    const { token, session } = await new AppSessions(db, clock).create(input(CODE));
    await db.destroy();
    db = openSqliteStore(dir).db;
    expect(await new AppSessions(db, clock).lookup(token, CODE)).toEqual(session);
  });

  it("ends when the portal session does", async () => {
    const sessions = new AppSessions(db, clock);
    const { token } = await sessions.create(input(CODE, "portal-1", T0 + HOUR));
    now = T0 + HOUR - 1;
    expect(await sessions.lookup(token, CODE)).not.toBeNull();
    now = T0 + HOUR;
    expect(await sessions.lookup(token, CODE)).toBeNull();
  });

  it("ends when the portal session does, even when asked again from a fresh process", async () => {
    const { token } = await new AppSessions(db, clock).create(input(CODE, "portal-1", T0 + HOUR));
    now = T0 + HOUR;
    expect(await new AppSessions(db, clock).lookup(token, CODE)).toBeNull();
  });

  it("never lasts more than 12 hours, however long the portal session does", async () => {
    const sessions = new AppSessions(db, clock);
    const { token, session } = await sessions.create(input(CODE, "portal-1", T0 + 30 * 24 * HOUR));
    expect(session.expiresAt).toBe(T0 + 12 * HOUR);
    now = T0 + 12 * HOUR - 1;
    expect(await sessions.lookup(token, CODE)).not.toBeNull();
    now = T0 + 12 * HOUR;
    expect(await sessions.lookup(token, CODE)).toBeNull();
  });

  it("is dead on arrival when the portal session has already ended", async () => {
    const sessions = new AppSessions(db, clock);
    const { token } = await sessions.create(input(CODE, "portal-1", T0 - 1));
    expect(await sessions.lookup(token, CODE)).toBeNull();
  });

  describe("signing out of the portal", () => {
    it("ends every app session made under it, and tells the listeners which", async () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      const code = await sessions.create(input(CODE, "portal-1"));
      const port = await sessions.create(input(PORT, "portal-1"));
      const otherBrowser = await sessions.create(input(CODE, "portal-2"));
      await sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(calls).toEqual([[code.session.id, port.session.id].sort()]);
      expect(await sessions.lookup(code.token, CODE)).toBeNull();
      expect(await sessions.lookup(port.token, PORT)).toBeNull();
      expect(await sessions.lookup(otherBrowser.token, CODE)).toEqual(otherBrowser.session);
    });

    it("is remembered, so a ticket issued under it cannot start a new app session", async () => {
      const sessions = new AppSessions(db, clock);
      expect(await sessions.isPortalSessionEnded("portal-1")).toBe(false);
      await sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(await sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(await sessions.isPortalSessionEnded("portal-2")).toBe(false);
      // A fresh process reads it from the store.
      expect(await new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
    });

    it("tells nobody when there was nothing to end", async () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      await sessions.create(input(CODE, "portal-2"));
      await sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(calls).toEqual([]);
    });

    it("tells every listener", async () => {
      const sessions = new AppSessions(db, clock);
      const first = listen(sessions);
      const second = listen(sessions);
      const { session } = await sessions.create(input(CODE));
      await sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(first).toEqual([[session.id]]);
      expect(second).toEqual([[session.id]]);
    });

    it("reaches another process sharing the store within RECHECK_MS", async () => {
      const here = new AppSessions(db, clock);
      const there = new AppSessions(db, clock);
      const { token } = await here.create(input(CODE));
      // The other process has seen (and remembers) the session.
      expect(await there.lookup(token, CODE)).not.toBeNull();
      now = T0 + 1000;
      await here.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(await there.isPortalSessionEnded("portal-1")).toBe(true);
      now = T0 + 1000 + RECHECK_MS;
      expect(await there.lookup(token, CODE)).toBeNull();
      // And it stays ended, however long after.
      now = T0 + 2 * HOUR;
      expect(await there.lookup(token, CODE)).toBeNull();
    });

    it("reaches another process at once when that process had not seen the session yet", async () => {
      const here = new AppSessions(db, clock);
      const { token } = await here.create(input(CODE));
      await here.endPortalSession("portal-1", T0 + 8 * HOUR);
      expect(await new AppSessions(db, clock).lookup(token, CODE)).toBeNull();
    });

    it("is remembered as long as the portal session's cookie could be replayed, and forgotten after", async () => {
      const sessions = new AppSessions(db, clock);
      await sessions.endPortalSession("portal-1", T0 + 8 * HOUR);
      now = T0 + 8 * HOUR - 1;
      await sessions.sweep();
      expect(await sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(await new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
      now = T0 + 8 * HOUR;
      await sessions.sweep();
      expect(await sessions.isPortalSessionEnded("portal-1")).toBe(false);
    });

    it("is remembered for at least a minute, as long as a ticket issued just before it lasts", async () => {
      const sessions = new AppSessions(db, clock);
      // A portal session that was about to end anyway when its user signed out.
      await sessions.endPortalSession("portal-1", T0 + 1000);
      now = T0 + 59_000;
      await sessions.sweep();
      expect(await sessions.isPortalSessionEnded("portal-1")).toBe(true);
      expect(await new AppSessions(db, clock).isPortalSessionEnded("portal-1")).toBe(true);
    });
  });

  describe("sweeping", () => {
    it("ends expired sessions and tells the listeners which, once", async () => {
      const sessions = new AppSessions(db, clock);
      const calls = listen(sessions);
      const short = await sessions.create(input(CODE, "portal-1", T0 + HOUR));
      const long = await sessions.create(input(PORT, "portal-1", T0 + 2 * HOUR));
      now = T0 + HOUR - 1;
      await sessions.sweep();
      expect(calls).toEqual([]);
      now = T0 + HOUR;
      await sessions.sweep();
      expect(calls).toEqual([[short.session.id]]);
      await sessions.sweep();
      expect(calls).toEqual([[short.session.id]]);
      expect(await sessions.lookup(long.token, PORT)).toEqual(long.session);
      now = T0 + 2 * HOUR;
      await sessions.sweep();
      expect(calls).toEqual([[short.session.id], [long.session.id]]);
    });

    it("removes expired sessions from the store", async () => {
      const sessions = new AppSessions(db, clock);
      await sessions.create(input(CODE, "portal-1", T0 + HOUR));
      const count = async () => (await db.selectFrom("app_sessions").selectAll().execute()).length;
      expect(await count()).toBe(1);
      now = T0 + HOUR;
      await sessions.sweep();
      expect(await count()).toBe(0);
    });
  });
});
