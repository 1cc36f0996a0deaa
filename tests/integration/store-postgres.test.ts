import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppSessions } from "../../lib/apps/app-sessions";
import { AppTickets } from "../../lib/apps/app-tickets";
import { AuditLog } from "../../lib/audit/audit-log";
import { ProviderGrants } from "../../lib/auth/provider-grants";
import pino from "pino";
import { SharedAccountNews } from "../../lib/identity/account-news";
import { AccountStatuses } from "../../lib/identity/account-status";
import { UserRegistry } from "../../lib/identity/registry";
import { SignIns } from "../../lib/identity/sign-ins";
import { IdleExtensions } from "../../lib/activity/idle-extensions";
import { MIGRATIONS } from "../../lib/store/migrations";
import { openPostgresStore } from "../../lib/store/postgres";
import type { PortalStore } from "../../lib/store/store";
import { SshKeyStore } from "../../lib/ssh/key-store";
import { PublicKeyError } from "../../lib/ssh/public-key";
import { startTestPostgres, type TestPostgres } from "../support/postgres";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";

/** Two portal processes' worth of stores over one real PostgreSQL database (each with its own pool). */
describe("the portal's records on PostgreSQL, shared by several processes", () => {
  let server: TestPostgres;
  let url: string;
  let one: PortalStore;
  let two: PortalStore;
  const open = (poolSize = 4) => openPostgresStore({ url, poolSize });

  beforeAll(async () => {
    server = await startTestPostgres();
    url = await server.newDatabase();
    // Two processes starting at once both bring the schema up to date, one after the other.
    [one, two] = await Promise.all([open(), open()]);
  }, 120_000);
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await server?.close();
  });

  it("makes the whole schema once, however many processes start together", async () => {
    const version = async () => (await sql<{ version: number }>`SELECT version FROM schema_version`.execute(one.db)).rows;
    expect(await version()).toEqual([{ version: MIGRATIONS.length }]);
    const again = await open();
    await again.close();
    expect(await version()).toEqual([{ version: MIGRATIONS.length }]);
  });

  it("gives every user their own uid index and slug, even when two processes register many at once", async () => {
    const users = Array.from({ length: 20 }, (_, i) => ({ sub: `sub-${i}`, username: `user${i}` }));
    const a = new UserRegistry(one.db);
    const b = new UserRegistry(two.db);
    const registered = await Promise.all(users.flatMap((u, i) => [a.register(u), (i % 2 ? a : b).register(u)]));
    expect(new Set(registered.map((u) => `${u.sub}:${u.slug}`)).size).toBe(20);
    const uids = await Promise.all(users.map((u, i) => (i % 2 ? a : b).uidIndex(u.sub)));
    expect(new Set(uids).size).toBe(20);
    expect(Math.max(...uids)).toBe(20);
    // Asked again, from the other process: the same number, for good.
    expect(await Promise.all(users.map((u, i) => (i % 2 ? b : a).uidIndex(u.sub)))).toEqual(uids);
  });

  it("moves a username to its new holder and keeps the old one's slug", async () => {
    const registry = new UserRegistry(one.db);
    const old = await registry.register({ sub: "old-carol", username: "carol" });
    const moves: unknown[] = [];
    registry.onUsernameMoved = (move) => void moves.push(move);
    await registry.register({ sub: "new-carol", username: "carol", email: "c@example.org" });
    expect((await new UserRegistry(two.db).byUsername("carol"))?.sub).toBe("new-carol");
    expect((await registry.bySub("old-carol"))?.username).toBe(old.slug);
    expect(moves).toEqual([{ username: "carol", from: "old-carol", to: "new-carol" }]);
  });

  it("spends an app ticket once, whichever process is asked first", async () => {
    const ticket = { sub: "sub-1", sid: "sid-1", address: { slug: "user1-x", app: { kind: "code" as const } }, path: "/", portalExpiresAt: Date.now() + 3600_000 };
    const host = "code--user1-x.apps.example";
    const tickets = [new AppTickets("s".repeat(32), "https://portal.example", one.db), new AppTickets("s".repeat(32), "https://portal.example", two.db)];
    const token = await tickets[0]!.issue(ticket, host);
    const results = await Promise.all([...tickets, ...tickets].map((t) => t.redeem(token, host)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "used")).toHaveLength(3);
  });

  it("finds an app session made by one process through the other, and ends it there", async () => {
    const maker = new AppSessions(one.db);
    const other = new AppSessions(two.db);
    const { token, session } = await maker.create({ sub: "sub-2", host: "h.example", portalSid: "sid-2", portalExpiresAt: Date.now() + 3600_000 });
    expect(await other.lookup(token, "h.example")).toEqual(session);
    await maker.endPortalSession("sid-2", Date.now() + 3600_000);
    expect(await new AppSessions(two.db).lookup(token, "h.example")).toBeNull();
    expect(await other.isPortalSessionEnded("sid-2")).toBe(true);
  });

  it("keeps SSH keys, refuses the same key twice with the user's words, and records both in the audit log", async () => {
    await new UserRegistry(one.db).register({ sub: "sub-alice", username: "alice" });
    const owner = { sub: "sub-alice", username: "alice" };
    const keys = new SshKeyStore(one.db, new AuditLog(one.db));
    const added = await keys.add(owner, ED25519);
    await expect(new SshKeyStore(two.db).add(owner, ED25519)).rejects.toThrow(PublicKeyError);
    expect((await new SshKeyStore(two.db).find("sub-alice", added.fingerprint))?.id).toBe(added.id);
    await keys.touch(added.id);
    expect((await keys.list("sub-alice"))[0]!.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const audit = await new AuditLog(two.db).list({ subject: "alice", action: "ssh.key.add" });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "ssh.key.add", actor: "alice", subjectName: "alice", detail: { fingerprint: added.fingerprint } });
    expect(audit[0]!.at).toMatch(/Z$/);
  });

  it("keeps times in ms as numbers, not strings (BIGINT columns)", async () => {
    const at = Date.UTC(2026, 11, 3, 12, 0, 0, 123);
    await new SignIns(one.db).record("sub-3", at);
    await new SignIns(one.db).record("sub-3", at - 1000); // older: changes nothing
    expect(await new SignIns(two.db).last("sub-3")).toBe(at);
    const started = new Date(at);
    await new IdleExtensions(one.db, () => at).set("sub-3", started, at + 3600_000);
    expect(await new IdleExtensions(two.db, () => at).until("sub-3", started, 8 * 3600_000)).toBe(at + 3600_000);
    await new UserRegistry(one.db).register({ sub: "sub-4", username: "dave" });
    const grants = new ProviderGrants(one.db, "s".repeat(32), "https://idp.example", "portal");
    await grants.save("sub-4", "refresh-1", { isAdmin: true, groups: ["lab"], checkedAt: at });
    expect(await new ProviderGrants(two.db, "s".repeat(32), "https://idp.example", "portal").rights("sub-4")).toEqual({ isAdmin: true, groups: ["lab"], checkedAt: at });
    expect(await grants.due(at, 10)).toEqual([{ sub: "sub-4", refreshToken: "refresh-1" }]);
  });

  it("shuts an account out for a process that had not looked at it yet", async () => {
    await new UserRegistry(one.db).register({ sub: "sub-5", username: "erin" });
    expect(await new AccountStatuses(one.db).disable("sub-5")).toBe(true);
    const elsewhere = new AccountStatuses(two.db);
    expect(await elsewhere.admits("sub-5", Date.now())).toBe(false);
    expect((await elsewhere.of("sub-5")).disabled).toBe(true);
  });

  it("tells a process that had already looked at an account that another shut it out, at once, and it closes what it holds", async () => {
    await new UserRegistry(one.db).register({ sub: "sub-7", username: "gina" });
    const log = pino({ level: "silent" });
    const newsOne = new SharedAccountNews(url, one.db, log);
    const newsTwo = new SharedAccountNews(url, two.db, log);
    const here = new AccountStatuses(one.db, { news: newsOne });
    // No safety net here (believed for ever): only the news can tell this process.
    const elsewhere = new AccountStatuses(two.db, { news: newsTwo });
    const shutOut: string[] = [];
    here.onShutOut((sub, reason, where) => void shutOut.push(`one: ${sub} ${reason} ${where}`));
    elsewhere.onShutOut((sub, reason, where) => void shutOut.push(`two: ${sub} ${reason} ${where}`));
    try {
      await newsOne.start((news) => void here.heard(news));
      await newsTwo.start((news) => void elsewhere.heard(news));
      expect(await elsewhere.admits("sub-7", Date.now())).toBe(true); // remembered from now on
      expect(await here.disable("sub-7")).toBe(true);
      await expect.poll(() => shutOut.length, { timeout: 10_000 }).toBe(2);
      expect(shutOut.sort()).toEqual(["one: sub-7 disabled by an admin here", "two: sub-7 disabled by an admin elsewhere"]);
      expect(await elsewhere.admits("sub-7", Date.now())).toBe(false);
      // Enabled again on the other process: the first one, which remembers it disabled, believes it too.
      expect((await here.of("sub-7")).disabled).toBe(true);
      await elsewhere.enable("sub-7");
      await expect.poll(async () => (await here.of("sub-7")).disabled, { timeout: 10_000 }).toBe(false);
      // The provider gave the account other rights, recorded by one process: the other hears to read them again.
      const changedElsewhere: Array<string | null> = [];
      elsewhere.onChangedElsewhere((sub) => changedElsewhere.push(sub));
      await here.rightsChanged("sub-7");
      await expect.poll(() => changedElsewhere, { timeout: 10_000 }).toEqual(["sub-7"]);
    } finally {
      await newsOne.close();
      await newsTwo.close();
    }
  });

  it("says the database is down while it is, and works again once it is back, losing nothing", async () => {
    await new UserRegistry(one.db).register({ sub: "sub-6", username: "frank" });
    await server.stop();
    await expect(one.proveWritable()).rejects.toThrow();
    await expect(new UserRegistry(one.db).bySub("sub-6")).rejects.toThrow();
    await server.start();
    await one.proveWritable();
    expect((await new UserRegistry(one.db).bySub("sub-6"))?.username).toBe("frank");
  }, 120_000);
});
