import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { UserRegistry } from "../../lib/identity/registry";
import { openDatabase } from "../../lib/store/db";
import { CapacityError, StartGate } from "../../lib/workspace/start-gate";
import { WorkspaceManager } from "../../lib/workspace/manager";
import type { StartProgress } from "../../lib/workspace/types";
import { DOCKER_SOCKET } from "../support/images";
import { workspaceFixture } from "../support/workspace-fixture";

const users = ["ann", "ben", "cat", "dan"].map((name) => ({ sub: `queue-${name}`, username: name }));

describe("the cap on running workspaces, with a fair queue", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());

  function cappedManager(cap: number, maxWaitMs: number) {
    const runtime = new DockerRuntime(DOCKER_SOCKET);
    let manager: WorkspaceManager;
    const gate = new StartGate(cap, maxWaitMs, async () => (await manager.list()).filter((w) => w.state === "running").map((w) => w.sub), 200);
    manager = new WorkspaceManager({ runtime, registry: new UserRegistry(openDatabase(fx.dataRoot)), settings: fx.settings, log: pino({ level: "silent" }), gate });
    return manager;
  }

  it("lets two of four concurrent starts through, queues the others in order, and never runs more than two", async () => {
    const manager = cappedManager(2, 60_000);
    const events: string[] = [];
    const positions = new Map<string, number[]>();
    let maxRunning = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        maxRunning = Math.max(maxRunning, (await manager.list()).filter((w) => w.state === "running").length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const starts = users.map((user, i) =>
      new Promise((r) => setTimeout(r, i * 150)).then(() =>
        manager
          .ensureRunning(user, (p: StartProgress) => {
            if (p.step === "queued") positions.set(user.username, [...(positions.get(user.username) ?? []), Number(/number (\d+)/.exec(p.message)![1])]);
          })
          .then(() => events.push(`started ${user.username}`)),
      ),
    );
    await expect.poll(() => events.length, { timeout: 30_000 }).toBe(2);
    expect(events.sort()).toEqual(["started ann", "started ben"]);
    expect(positions.get("cat")).toEqual([1]);
    expect(positions.get("dan")).toEqual([2]);

    await manager.stop(users[0]!); // a slot frees: the first in line goes, the second moves up
    await expect.poll(() => events.length, { timeout: 30_000 }).toBe(3);
    expect(events[2]).toBe("started cat");
    expect(positions.get("dan")).toEqual([2, 1]);

    await manager.stop(users[1]!);
    await Promise.all(starts);
    expect(events[3]).toBe("started dan");
    watching = false;
    await watcher;
    expect(maxRunning).toBeLessThanOrEqual(2);
  });

  it("gives up with a clear answer after the maximum wait", async () => {
    const manager = cappedManager(2, 1500); // cat and dan still run from the test above
    const error = await manager.ensureRunning(users[0]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as Error).message).toMatch(/All 2 workspace slots stayed busy/);
    expect((await manager.status(users[0]!)).state).toBe("stopped");
  });
});
