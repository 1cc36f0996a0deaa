import type { Readable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { UserRegistry } from "../../lib/identity/registry";
import { openSqliteStore } from "../../lib/store/sqlite";
import { LABEL } from "../../lib/workspace/labels";
import { CapacityError, StartGate } from "../../lib/workspace/start-gate";
import { WorkspaceManager } from "../../lib/workspace/manager";
import type { StartProgress } from "../../lib/workspace/types";
import { DOCKER_SOCKET } from "../support/images";
import { workspaceFixture, type WorkspaceFixture } from "../support/workspace-fixture";

const user = (name: string) => ({ sub: `queue-${name}`, username: name });

/**
 * Each test has a portal instance of its own (its own label, network and data), so none depends on what another
 * left running, and removes it whatever happens.
 */
async function withFixture(test: (fx: WorkspaceFixture) => Promise<void>): Promise<void> {
  const fx = workspaceFixture();
  try {
    await test(fx);
  } finally {
    await fx.cleanup();
  }
}

function cappedManager(fx: WorkspaceFixture, cap: number, maxWaitMs: number): WorkspaceManager {
  const backend = new DockerBackend(new DockerRuntime(DOCKER_SOCKET), fx.settings);
  let manager: WorkspaceManager;
  const gate = new StartGate(cap, maxWaitMs, async () => (await manager.list()).filter((w) => w.state === "running").map((w) => w.sub), 200);
  manager = new WorkspaceManager({ backend, registry: new UserRegistry(openSqliteStore(fx.dataRoot).db), settings: fx.settings, log: pino({ level: "silent" }), gate });
  return manager;
}

/**
 * The engine's own record of this instance's containers starting and dying, in its order: how many ran at once
 * at most is read from it, not sampled.
 */
async function engineRecord(fx: WorkspaceFixture) {
  const stream = (await fx.docker.getEvents({
    filters: { type: ["container"], event: ["start", "die"], label: [`${LABEL.instance}=${fx.settings.instance}`] },
  })) as unknown as Readable;
  const seen = { starts: 0, dies: 0, running: 0, maxRunning: 0 };
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action?: string; status?: string };
      const action = event.Action ?? event.status;
      if (action === "start") seen.starts += 1;
      if (action === "die") seen.dies += 1;
      seen.running = seen.starts - seen.dies;
      seen.maxRunning = Math.max(seen.maxRunning, seen.running);
    }
  });
  return { seen, close: () => stream.destroy() };
}

describe("the cap on running workspaces, with a fair queue", () => {
  it("lets the first two of four starts through, queues the others in the order they asked, and never runs more than two", () =>
    withFixture(async (fx) => {
      const manager = cappedManager(fx, 2, 10 * 60_000);
      const record = await engineRecord(fx);
      try {
        const [ann, ben, cat, dan] = ["ann", "ben", "cat", "dan"].map(user) as [ReturnType<typeof user>, ...ReturnType<typeof user>[]];
        const started: string[] = [];
        const positions = new Map<string, number[]>();
        // All four ask at once, in this order: a place in line is taken by the call itself, so the order of the
        // calls is the order of the line, however long each container then takes to make on a busy machine.
        const starts = Object.fromEntries(
          [ann, ben!, cat!, dan!].map((u) => [
            u.username,
            manager
              .ensureRunning(u, (p: StartProgress) => {
                if (p.step === "queued") positions.set(u.username, [...(positions.get(u.username) ?? []), Number(/number (\d+)/.exec(p.message)![1])]);
              })
              .then(() => started.push(u.username)),
          ]),
        ) as Record<string, Promise<number>>;
        // Every start is awaited below or here, so none can end in an unhandled rejection if an assertion fails first.
        const all = Promise.allSettled(Object.values(starts));
        try {
          await Promise.all([starts.ann, starts.ben]);
          expect(started.sort()).toEqual(["ann", "ben"]);
          // cat and dan have made their containers and wait: each was told its place once.
          await expect.poll(() => positions.size, { timeout: 120_000 }).toBe(2);
          expect(positions.get("cat")).toEqual([1]);
          expect(positions.get("dan")).toEqual([2]);
          expect(started).toHaveLength(2);

          await manager.stop(ann); // a slot frees: the first in line goes, the second moves up
          await starts.cat;
          expect(started).toEqual(["ann", "ben", "cat"]);
          expect(positions.get("dan")).toEqual([2, 1]);

          await manager.stop(ben!);
          await starts.dan;
          expect(started).toEqual(["ann", "ben", "cat", "dan"]);
        } finally {
          await all;
        }
        // The engine has told of every start and stop by now or shortly: wait for them, then read its maximum.
        await expect.poll(() => [record.seen.starts, record.seen.dies], { timeout: 60_000 }).toEqual([4, 2]);
        expect(record.seen.maxRunning).toBe(2);
      } finally {
        record.close();
      }
    }), 300_000);

  it("gives up with a clear answer after the maximum wait", () =>
    withFixture(async (fx) => {
      // Both slots are taken here, by this test's own workspaces.
      await cappedManager(fx, 2, 60_000).ensureRunning(user("eve"));
      await cappedManager(fx, 2, 60_000).ensureRunning(user("fay"));
      const manager = cappedManager(fx, 2, 1500);
      const error = await manager.ensureRunning(user("gus")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CapacityError);
      expect((error as Error).message).toMatch(/All 2 workspace slots stayed busy/);
      expect((await manager.status(user("gus"))).state).toBe("stopped");
    }), 300_000);
});
