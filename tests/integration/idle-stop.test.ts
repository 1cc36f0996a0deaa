import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ActivityTracker } from "../../lib/activity/activity-tracker";
import { IdleExtensions } from "../../lib/activity/idle-extensions";
import { IdleReaper, type IdlePolicy } from "../../lib/activity/idle-reaper";
import { openSqliteStore } from "../../lib/store/sqlite";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import type { WorkspaceEvent } from "../../lib/workspace/manager";
import { DOCKER_SOCKET } from "../support/images";
import { workspaceFixture } from "../support/workspace-fixture";

const carol = { sub: "idle-carol", username: "carol" };
const dave = { sub: "idle-dave", username: "dave" };
const erin = { sub: "idle-erin", username: "erin" };
const log = pino({ level: "silent" });
const policy = (timeoutMs: number, more: Partial<IdlePolicy> = {}): IdlePolicy => ({ timeoutMs, busyCpuPercent: 20, extendMaxMs: 0, ...more });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("idle stop on the real engine", () => {
  const events: WorkspaceEvent[] = [];
  const fx = workspaceFixture({}, { onEvent: (event) => void events.push(event) });
  const runtime = new DockerRuntime(DOCKER_SOCKET);
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), "idle-stop-db-"));
  const db = openSqliteStore(dbDir).db;
  const extensions = () => new IdleExtensions(db);
  afterAll(async () => {
    await db.destroy();
    fs.rmSync(dbDir, { recursive: true, force: true });
    await fx.cleanup();
  });

  it("stops a workspace nobody used for the timeout, and spares one in use", async () => {
    // The reaper's clock is the test's: however long the engine takes to start two containers on a busy machine,
    // "just started" and "a timeout later" mean what they say.
    const clock = { now: Date.now() };
    const activity = new ActivityTracker(() => clock.now);
    const reaper = new IdleReaper(fx.manager, fx.backend, activity, new IdleExtensions(db, () => clock.now), policy(60_000, { busyCpuPercent: 0 }), log, () => clock.now);
    await fx.manager.ensureRunning(carol);
    await fx.manager.ensureRunning(dave);
    clock.now = Date.now();
    expect(await reaper.sweep()).toEqual([]); // both just started

    clock.now += 30_000;
    activity.touch(dave.sub, "ssh"); // dave keeps working
    clock.now += 40_000; // carol: 70 s without use; dave: 40 s
    expect(await reaper.sweep()).toEqual(["carol"]);
    expect((await fx.manager.status(carol)).state).toBe("stopped");
    expect((await fx.manager.status(dave)).state).toBe("running");
    expect((await reaper.deadline(dave.sub, new Date()))!.getTime()).toBeGreaterThan(clock.now);
  });

  it("counts a silent CPU-bound job as use, and says how many processes the stop ended once it is gone", async () => {
    const activity = new ActivityTracker();
    const reaper = new IdleReaper(fx.manager, fx.backend, activity, extensions(), policy(8000), log);
    const status = await fx.manager.ensureRunning(erin);
    // A computation that prints nothing, detached from any door, plus an idle process that is still the user's.
    await runtime.spawn(status.containerId!, { cmd: ["sh", "-c", "echo $$ > /tmp/job.pid; while :; do :; done"], user: "1000:1000" });
    await runtime.spawn(status.containerId!, { cmd: ["sleep", "86400"], user: "1000:1000" });
    // Well past the timeout, sweeping as the portal does: the busy CPU keeps it running.
    const until = Date.now() + 14_000;
    while (Date.now() < until) {
      expect(await reaper.sweep()).not.toContain("erin"); // dave, left idle by the test before, may go
      await sleep(1000);
    }
    expect(activity.lastActivity(erin.sub)?.door).toBe("cpu");
    expect((await fx.manager.status(erin)).state).toBe("running");

    // The job ends: the workspace is idle now, and stops a timeout later.
    await runtime.spawn(status.containerId!, { cmd: ["sh", "-c", "kill $(cat /tmp/job.pid)"], user: "1000:1000" });
    await expect.poll(async () => (await reaper.sweep()).includes("erin"), { timeout: 60_000, interval: 1000 }).toBe(true);
    const stop = events.find((e) => e.type === "stopped" && e.user.sub === erin.sub);
    expect(stop).toMatchObject({ cause: "idle", detail: { processes: 1 } });
  });

  it("lets the user push the stop an hour later, within the operator's limit", async () => {
    const reaper = new IdleReaper(fx.manager, fx.backend, new ActivityTracker(), extensions(), policy(60_000, { extendMaxMs: 90 * 60_000 }), log);
    const startedAt = new Date();
    const first = (await reaper.deadline(dave.sub, startedAt))!.getTime();
    const once = (await reaper.extend(dave.sub, startedAt))!.getTime();
    expect(once - first).toBeGreaterThan(59 * 60_000);
    const twice = (await reaper.extend(dave.sub, startedAt))!.getTime();
    expect(twice).toBeLessThanOrEqual(Date.now() + 90 * 60_000);
    expect(await new IdleReaper(fx.manager, fx.backend, new ActivityTracker(), extensions(), policy(60_000), log).extend(dave.sub, startedAt)).toBeNull();
  });

  it("never stops anything when the timeout is 0", async () => {
    const reaper = new IdleReaper(fx.manager, fx.backend, new ActivityTracker(), extensions(), policy(0), log);
    await sleep(100);
    expect(await reaper.sweep()).toEqual([]);
    expect(await reaper.deadline(dave.sub, new Date(0))).toBeNull();
  });
});
