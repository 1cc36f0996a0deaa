import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActivityTracker } from "../../lib/activity/activity-tracker";
import { IdleExtensions } from "../../lib/activity/idle-extensions";
import { EXTEND_STEP_MS, IdleReaper, type IdlePolicy } from "../../lib/activity/idle-reaper";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";
import type { WorkspaceManager } from "../../lib/workspace/manager";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;
const HOUR = 3600_000;
const STARTED = new Date(T0 - 5 * MIN);
const log = pino({ level: "silent" });

let dir: string;
let db: PortalDb;
let now: number;
const clock = () => now;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "idle-extensions-"));
  db = openSqliteStore(dir).db;
  now = T0;
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Only deadline/extend are exercised here: neither touches the workspaces or the engine.
const reaper = (database: PortalDb, policy: Partial<IdlePolicy> = {}) =>
  new IdleReaper(
    {} as WorkspaceManager,
    {} as never,
    new ActivityTracker(clock),
    new IdleExtensions(database, clock),
    { timeoutMs: 30 * MIN, busyCpuPercent: 0, extendMaxMs: 8 * HOUR, ...policy },
    log,
    clock,
  );

describe("idle stop extensions kept in the database", () => {
  it("keeps a +1 h across a restart: a new reaper on the same database shows the same stop", async () => {
    const before = reaper(db);
    const extended = (await before.extend("alice", STARTED))!.getTime();
    expect(extended).toBe(T0 + 30 * MIN + EXTEND_STEP_MS);

    // The portal restarts 10 minutes later: a fresh process, a fresh activity tracker, the same data directory.
    await db.destroy();
    now = T0 + 10 * MIN;
    db = openSqliteStore(dir).db;
    const after = reaper(db);
    expect((await after.deadline("alice", STARTED))!.getTime()).toBe(extended);
    // Without the extension the restart would have moved the stop to 30 minutes after itself.
    expect((await after.deadline("bob", STARTED))!.getTime()).toBe(now + 30 * MIN);
  });

  it("never pushes the stop past the operator's limit, however often +1 h is pressed", async () => {
    const r = reaper(db, { extendMaxMs: 3 * HOUR });
    for (let i = 0; i < 10; i++) await r.extend("alice", STARTED);
    expect((await r.deadline("alice", STARTED))!.getTime()).toBe(T0 + 3 * HOUR);
    expect(r.canExtend((await r.deadline("alice", STARTED))!)).toBe(false);
  });

  it("obeys a limit the operator lowered, or turned off, while the portal was down", async () => {
    const r = reaper(db, { extendMaxMs: 8 * HOUR });
    for (let i = 0; i < 8; i++) await r.extend("alice", STARTED);
    expect((await r.deadline("alice", STARTED))!.getTime()).toBe(T0 + 8 * HOUR);

    now = T0 + 5 * MIN;
    expect((await reaper(db, { extendMaxMs: 2 * HOUR }).deadline("alice", STARTED))!.getTime()).toBe(T0 + 2 * HOUR);
    expect((await reaper(db, { extendMaxMs: 0 }).deadline("alice", STARTED))!.getTime()).toBe(now + 30 * MIN);
  });

  it("belongs to one run of the workspace: the next start begins without it", async () => {
    const r = reaper(db);
    (await r.extend("alice", STARTED));
    const restartedAt = new Date(T0 + MIN);
    now = T0 + 2 * MIN;
    expect((await r.deadline("alice", restartedAt))!.getTime()).toBe(restartedAt.getTime() + 30 * MIN);
  });

  it("counts a stored extension from the clock's future as given now", async () => {
    await new IdleExtensions(db, clock).set("alice", STARTED, T0 + 100 * HOUR);
    await db.updateTable("idle_extensions").set({ extended_at_ms: T0 + 50 * HOUR }).where("sub", "=", "alice").execute();
    expect(await new IdleExtensions(db, clock).until("alice", STARTED, 8 * HOUR)).toBe(T0 + 8 * HOUR);
  });

  it("is forgotten once the workspace is stopped for idleness", async () => {
    const store = new IdleExtensions(db, clock);
    await store.set("alice", STARTED, T0 + HOUR);
    await store.forget("alice");
    expect(await store.until("alice", STARTED, 8 * HOUR)).toBeUndefined();
  });
});
