import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ActivityTracker } from "../../lib/activity/activity-tracker";
import { IdleReaper } from "../../lib/activity/idle-reaper";
import { workspaceFixture } from "../support/workspace-fixture";

const carol = { sub: "idle-carol", username: "carol" };
const dave = { sub: "idle-dave", username: "dave" };

describe("idle stop on the real engine", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());

  it("stops a workspace nobody used for the timeout, and spares one in use", async () => {
    const activity = new ActivityTracker();
    const reaper = new IdleReaper(fx.manager, activity, 1500, pino({ level: "silent" }));
    await fx.manager.ensureRunning(carol);
    await fx.manager.ensureRunning(dave);
    expect(await reaper.sweep()).toEqual([]); // both just started

    const until = Date.now() + 2500;
    while (Date.now() < until) {
      activity.touch(dave.sub, "ssh"); // dave keeps working
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await reaper.sweep()).toEqual(["carol"]);
    expect((await fx.manager.status(carol)).state).toBe("stopped");
    expect((await fx.manager.status(dave)).state).toBe("running");
    expect(reaper.deadline(dave.sub, new Date())!.getTime()).toBeGreaterThan(Date.now());
  });

  it("never stops anything when the timeout is 0", async () => {
    const reaper = new IdleReaper(fx.manager, new ActivityTracker(), 0, pino({ level: "silent" }));
    await new Promise((r) => setTimeout(r, 100));
    expect(await reaper.sweep()).toEqual([]);
    expect(reaper.deadline(dave.sub, new Date(0))).toBeNull();
  });
});
