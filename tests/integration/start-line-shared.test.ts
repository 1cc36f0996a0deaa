import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgPool } from "../../lib/store/pg-connections";
import { openPostgresStore } from "../../lib/store/postgres";
import type { PortalStore } from "../../lib/store/store";
import { PgUserLocks } from "../../lib/workspace/shared/pg-user-locks";
import { SharedStartLine } from "../../lib/workspace/shared/shared-start-line";
import { CapacityError } from "../../lib/workspace/start-gate";
import { startTestPostgres, type TestPostgres } from "../support/postgres";

const log = pino({ level: "silent" });

/**
 * Two portal processes' worth of start lines and user locks over one real PostgreSQL (each with its own store and
 * connections), in front of an engine whose running set the test controls: the line's rules across processes.
 */
describe("the start line and user locks shared through PostgreSQL", () => {
  let server: TestPostgres;
  let url: string;
  const stores: PortalStore[] = [];
  const lines: SharedStartLine[] = [];
  const running = new Set<string>();

  beforeAll(async () => {
    server = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    for (const line of lines) await line.close();
    for (const store of stores) await store.close();
    await server?.close();
  });

  /** A fresh database per test, and two "processes" on it. */
  async function twoProcesses(cap: number, maxWaitMs = 10 * 60_000) {
    url = await server.newDatabase();
    running.clear();
    const open = async () => {
      const store = await openPostgresStore({ url, poolSize: 4 });
      stores.push(store);
      // A poll slower than any test: a waiter here moves on a NOTIFY, or not at all.
      const line = await SharedStartLine.open({ cap, maxWaitMs, running: async () => [...running], db: store.db, url, log, pollMs: 600_000, orphanGraceMs: 3000 });
      lines.push(line);
      return { store, line };
    };
    return [await open(), await open()] as const;
  }

  const rowCount = async (store: PortalStore) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM start_line`.execute(store.db)).rows[0]!.n);

  it("keeps one line across processes: order asked, places told where each waits, a slot freed on one lets the next go on the other", async () => {
    const [a, b] = await twoProcesses(1);
    const order: string[] = [];
    const positions = new Map<string, number[]>();
    const releases = new Map<string, () => void>();
    // ann through a, ben through b, cat through a: each place taken (its row written) before the next asks.
    const asks = [
      ["ann", a],
      ["ben", b],
      ["cat", a],
    ] as const;
    const places = [];
    for (const [sub, p] of asks) {
      places.push([sub, p.line.enter(sub)] as const);
      await expect.poll(() => rowCount(a.store)).toBe(places.length);
    }
    // The later arrivals are ready first; ann's slot is kept for her.
    const starts = [places[2]!, places[1]!, places[0]!].map(([sub, place]) =>
      place
        .wait((n) => positions.set(sub, [...(positions.get(sub) ?? []), n]))
        .then((release) => {
          order.push(sub);
          releases.set(sub, release);
        }),
    );
    const all = Promise.allSettled(starts);
    try {
      await expect.poll(() => order).toEqual(["ann"]);
      await expect.poll(() => [positions.get("ben"), positions.get("cat")]).toEqual([[1], [2]]);
      expect(await b.line.waitingSubs()).toEqual(["ben", "cat"]);
      // ann's start finishes on a: she runs, her slot is the engine's now; nobody else goes.
      running.add("ann");
      releases.get("ann")!();
      places[0]![1].leave();
      b.line.kick();
      await expect.poll(async () => (await a.line.waitingSubs()).length).toBe(2);
      expect(order).toEqual(["ann"]);
      // ann stops (seen through b): ben, who waits through b, goes; cat moves up, told on a.
      running.delete("ann");
      b.line.kick();
      await expect.poll(() => order).toEqual(["ann", "ben"]);
      await expect.poll(() => positions.get("cat")).toEqual([2, 1]);
      running.add("ben");
      releases.get("ben")!();
      running.delete("ben");
      a.line.kick();
      await expect.poll(() => order).toEqual(["ann", "ben", "cat"]);
      releases.get("cat")!();
    } finally {
      await all;
    }
  });

  it("drops the places and slots of a process that is gone, so they block no one", async () => {
    const [a, b] = await twoProcesses(1);
    // b lets dan through (his slot is held until his start ends) and then dies without ending it.
    const danRelease = await b.line.enter("dan").wait(() => {});
    expect(danRelease).toBeTypeOf("function");
    const eve = a.line.enter("eve");
    const told: number[] = [];
    let went = false;
    const eveStart = eve.wait((n) => told.push(n)).then((release) => ((went = true), release));
    await expect.poll(() => told).toEqual([1]);
    await b.line.close(); // its connection, and with it the lock naming its places, is gone
    // Kept for the grace (it might come back), then dropped: a decision after that lets eve go.
    await expect.poll(() => (a.line.kick(), went), { timeout: 30_000, interval: 500 }).toBe(true);
    const release = await eveStart;
    expect(went).toBe(true);
    release();
  });

  it("keeps a waiter's place when its process's connection to the database is cut, and lets it go after", async () => {
    const [a, b] = await twoProcesses(1);
    running.add("fay");
    const told: number[] = [];
    let went = false;
    const eveStart = a.line.enter("eve").wait((n) => told.push(n)).then((release) => ((went = true), release));
    await expect.poll(() => told).toEqual([1]);
    const holders = () =>
      sql<{ pid: number }>`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = ${0x5c172}::oid AND granted`.execute(b.store.db).then((r) => r.rows.map((x) => x.pid));
    const before = await holders();
    expect(before).toHaveLength(2);
    // Both processes' line connections are cut (a server restart, a proxy's timeout): each opens a new one.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = ${0x5c172}::oid AND granted`.execute(b.store.db);
    await expect.poll(async () => (await holders()).filter((pid) => !before.includes(pid)).length, { timeout: 30_000 }).toBe(2);
    await expect.poll(() => rowCount(a.store)).toBe(1);
    expect(went).toBe(false);
    running.delete("fay");
    b.line.kick();
    const release = await eveStart;
    expect(went).toBe(true);
    expect(told).toEqual([1]);
    release();
  });

  it("gives up after the maximum wait, its place gone from the line", async () => {
    const [a, b] = await twoProcesses(1, 1500);
    running.add("fay");
    const error = await b.line.enter("gus").wait(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    await expect.poll(() => rowCount(a.store)).toBe(0);
  });

  it("holds one user's lock across processes: the other waits, sees it busy, and gets it when the holder's connection dies", async () => {
    const [a, b] = await twoProcesses(1);
    const lockA = new PgUserLocks(pgPool(url, 2), a.store.db);
    const lockB = new PgUserLocks(pgPool(url, 2), b.store.db);
    try {
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (finish = resolve));
      const steps: string[] = [];
      const first = lockA.run("hal", async () => {
        steps.push("a in");
        await held;
        steps.push("a out");
      });
      await expect.poll(() => steps).toEqual(["a in"]);
      expect(await lockB.isBusy("hal")).toBe(true);
      expect(await lockB.isBusy("ida")).toBe(false);
      const second = lockB.run("hal", async () => void steps.push("b in"));
      // b waits in PostgreSQL for a's lock: it cannot be in before a is out, whatever the machine's speed.
      await expect.poll(() => sql`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT granted`.execute(a.store.db).then((r) => r.rows.length)).toBe(1);
      finish();
      await Promise.all([first, second]);
      expect(steps).toEqual(["a in", "a out", "b in"]);
      expect(await lockA.isBusy("hal")).toBe(false);

      // A holder whose connection dies (its process killed) lets the others in.
      let stuck!: () => void;
      const never = new Promise<void>((resolve) => (stuck = resolve));
      void lockA.run("joe", () => never).catch(() => undefined);
      await expect.poll(() => lockB.isBusy("joe")).toBe(true);
      await sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = ${0x5c171}::oid AND granted AND pid <> pg_backend_pid()`.execute(a.store.db);
      await lockB.run("joe", async () => void steps.push("b has joe"));
      expect(steps.at(-1)).toBe("b has joe");
      stuck();
    } finally {
      await lockA.close().catch(() => undefined);
      await lockB.close();
    }
  });
});
