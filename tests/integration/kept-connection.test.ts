import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedAccountNews } from "../../lib/identity/account-news";
import type { AccountNews } from "../../lib/identity/account-status";
import { KeptConnection } from "../../lib/store/kept-connection";
import { openPostgresStore } from "../../lib/store/postgres";
import type { PortalStore } from "../../lib/store/store";
import { startTestPostgres, type TestPostgres } from "../support/postgres";

const log = pino({ level: "silent" });

/** A connection of a process's own (LISTEN, session locks) outlives the server dropping it, on real PostgreSQL. */
describe("a kept connection to the shared database", () => {
  let server: TestPostgres;
  let url: string;
  let admin: pg.Client;

  beforeAll(async () => {
    server = await startTestPostgres();
    url = await server.newDatabase();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await server?.close();
  });

  const backendOf = async (client: pg.Client) => (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  const cut = (pid: number) => admin.query("SELECT pg_terminate_backend($1)", [pid]);

  it("is replaced when the server drops it, set up again (its LISTEN hears again) and told it came back", async () => {
    const heard: string[] = [];
    const readies: boolean[] = [];
    let setUps = 0;
    const kept = await KeptConnection.open(url, "the test's connection", log, {
      setUp: async (client) => {
        setUps++;
        await client.query("LISTEN kept_test");
        client.on("notification", (message) => heard.push(message.payload ?? ""));
      },
      ready: (again) => void readies.push(again),
    });
    try {
      expect(readies).toEqual([false]);
      const first = await backendOf(kept.client);
      await cut(first);
      await expect.poll(() => readies, { timeout: 30_000 }).toEqual([false, true]);
      expect(setUps).toBe(2);
      expect(await backendOf(kept.client)).not.toBe(first);
      await admin.query("NOTIFY kept_test, 'after the cut'");
      await expect.poll(() => heard).toEqual(["after the cut"]);
    } finally {
      await kept.close();
    }
  });

  it("keeps trying while the server is down and comes back once it is up", async () => {
    const readies: boolean[] = [];
    const warnings: string[] = [];
    const recording = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const kept = await KeptConnection.open(url, "the test's connection", recording, {
      setUp: async (client) => void (await client.query("SELECT 1")),
      ready: (again) => void readies.push(again),
    });
    try {
      await admin.end();
      await server.stop();
      // Down long enough for it to have tried and failed, saying so.
      await expect.poll(() => warnings.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(new Set(warnings)).toEqual(new Set(["the test's connection is down; trying again"]));
      expect(readies).toEqual([false]);
      await server.start();
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await expect.poll(() => readies, { timeout: 30_000 }).toEqual([false, true]);
      expect((await kept.client.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await kept.close();
    }
  }, 60_000);

  it("fails to open, saying why, when its set-up fails, and leaves no connection behind", async () => {
    const before = (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()")).rows[0]!.n;
    await expect(
      KeptConnection.open(url, "the test's connection", log, { setUp: async (client) => void (await client.query("SELECT no_such_column FROM pg_class")) }),
    ).rejects.toThrow(/no_such_column/);
    await expect.poll(async () => (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()")).rows[0]!.n).toBe(before);
  });

  it("has the account news of a process that lost its connection forget what it remembered", async () => {
    const store: PortalStore = await openPostgresStore({ url, poolSize: 2 });
    const news = new SharedAccountNews(url, store.db, log);
    const heard: AccountNews[] = [];
    try {
      await news.start((item) => heard.push(item));
      const listeners = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN scitex_accounts'");
      expect(listeners.rows).toHaveLength(1);
      await cut(listeners.rows[0]!.pid);
      await expect.poll(() => heard, { timeout: 30_000 }).toEqual([{ all: true }]);
      // Listening again: news from another process reaches it.
      await new SharedAccountNews(url, store.db, log).announce("sub-1", "disabled by an admin");
      await expect.poll(() => heard).toEqual([{ all: true }, { sub: "sub-1", shutOut: "disabled by an admin" }]);
    } finally {
      await news.close();
      await store.close();
    }
  });
});
