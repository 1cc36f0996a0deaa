import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { engineRecord, type EngineRecord } from "../support/engine-record";
import { startPortalReplicas, type PortalReplicas } from "../support/portal-replicas";
import { postAs, startThroughPortal, type StartAnswer } from "../support/portal-start";
import { sessionCookie } from "../support/session-cookie";

const SECRET = "start-line-replicas-secret-0123456789abc";
const NAMES = ["ann", "ben", "cat", "dan", "eve", "fay"] as const;
const user = (name: string) => ({ sub: `line-${name}`, username: name });

/** Two real portal processes on one PostgreSQL, cap 2: one start line and one per-user lock between them. */
describe("the cap and its queue across two portal processes", () => {
  let replicas: PortalReplicas;
  let record: EngineRecord;
  const cookies = new Map<string, string>();
  /** Users alternate between the two processes. */
  const via = (i: number) => replicas.processes[i % 2]!.url;

  beforeAll(async () => {
    replicas = await startPortalReplicas(2, { AUTH_SECRET: SECRET, MAX_RUNNING_WORKSPACES: "2", START_QUEUE_TIMEOUT_SECONDS: "900" });
    record = await engineRecord(replicas.processes[0]!.docker, replicas.processes[0]!.instance);
    for (const name of [...NAMES, "gus"]) cookies.set(name, await sessionCookie(SECRET, user(name)));
  }, 300_000);
  afterEach((context) => {
    // A start that never ended says nothing by itself: the processes' own lines say where it waited.
    if (context.task.result?.state === "fail") for (const [i, p] of (replicas?.processes ?? []).entries()) console.log(`portal ${i}:\n${p.logs().slice(-6000)}`);
  });
  afterAll(async () => {
    record?.close();
    await replicas?.cleanup();
  });

  const containersOf = async (sub: string) =>
    replicas.processes[0]!.docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${replicas.processes[0]!.instance}`, `${LABEL.ownerSub}=${sub}`] } });
  const stop = async (name: string, through: string) => expect((await postAs(through, cookies.get(name)!, "/api/workspace/stop")).status).toBe(200);

  it("starts one container when one user opens the workspace through both processes at once", async () => {
    const cookie = cookies.get("gus")!;
    const answers = await Promise.all(replicas.processes.map((p) => startThroughPortal(p.url, cookie)));
    for (const answer of answers) expect(answer.status?.state, JSON.stringify(answer)).toBe("running");
    expect(await containersOf(user("gus").sub)).toHaveLength(1);
    await stop("gus", via(1));
    await expect.poll(() => record.dies, { timeout: 60_000 }).toBe(1);
  }, 300_000);

  it("never runs more than two, starts the waiters in the order they asked whichever process they asked, and tells each its place", async () => {
    const positions = new Map<string, number[]>();
    const answers = new Map<string, Promise<StartAnswer>>();
    const ask = (i: number) => {
      const name = NAMES[i]!;
      const answer = startThroughPortal(via(i), cookies.get(name)!, (message) => {
        const place = /number (\d+) in line/.exec(message);
        if (place) positions.set(name, [...(positions.get(name) ?? []), Number(place[1])]);
      });
      answers.set(name, answer);
      return answer;
    };
    const all = () => Promise.allSettled([...answers.values()]);
    try {
      // ann and ben at once, one through each process: both slots.
      const first = await Promise.all([ask(0), ask(1)]);
      for (const answer of first) expect(answer.status?.state, JSON.stringify(answer)).toBe("running");
      // cat, dan, eve, fay alternate between the processes; each asks once the one before has its place, so the
      // order they asked in is known.
      for (let i = 2; i < NAMES.length; i++) {
        void ask(i);
        await expect.poll(() => positions.get(NAMES[i]!), { timeout: 180_000 }).toEqual([i - 1]);
      }
      // Each stop, through the other process from the one its owner used, lets exactly the first in line go.
      for (let i = 2; i < NAMES.length; i++) {
        await stop(NAMES[i - 2]!, via(i - 1));
        const answer = await answers.get(NAMES[i]!)!;
        expect(answer.status?.state, JSON.stringify(answer)).toBe("running");
        for (let j = i + 1; j < NAMES.length; j++) await expect.poll(() => positions.get(NAMES[j]!)?.at(-1), { timeout: 60_000 }).toBe(j - i);
      }
    } finally {
      await all();
    }
    // Each waiter was told its place, then each move up, and nothing else.
    expect(Object.fromEntries(positions)).toEqual({ cat: [1], dan: [2, 1], eve: [3, 2, 1], fay: [4, 3, 2, 1] });
    // The engine's own record (gus's start and stop came first): in the order asked, never more than two at once.
    await expect.poll(() => [record.starts.length, record.dies], { timeout: 60_000 }).toEqual([7, 5]);
    expect(record.starts.slice(0, 1)).toEqual([user("gus").sub]);
    expect(new Set(record.starts.slice(1, 3))).toEqual(new Set([user("ann").sub, user("ben").sub]));
    expect(record.starts.slice(3)).toEqual(["cat", "dan", "eve", "fay"].map((n) => user(n).sub));
    expect(record.maxRunning).toBe(2);
    for (const name of NAMES) expect(await containersOf(user(name).sub)).toHaveLength(1);
  }, 600_000);
});
