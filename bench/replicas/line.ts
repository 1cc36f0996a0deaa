import { postAs, startThroughPortal, type PortalReplicas, type StartAnswer } from "../lib/fixtures";
import { progress } from "../lib/progress";
import { sleep, withTimeout } from "../lib/time";
import { watchEngine } from "./engine-watch";
import type { LineResult } from "./results";

const POLL_MS = 100;

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not within ${Math.round(timeoutMs / 1000)} s: ${what}`);
    await sleep(POLL_MS);
  }
}

/**
 * The start line across two processes at cap `cap` (the start-line-replicas test's run): the first `cap` users ask
 * at once, one through each process; the others ask one after another, alternating processes, each once the one
 * before was told its place (so the order asked is known); then the running ones are stopped one at a time, each
 * through the other process from its owner's. The engine's own events say in which order the containers started
 * and whether more than `cap` ever ran.
 */
export async function measureStartLine(replicas: PortalReplicas, cookies: Map<string, string>, names: readonly string[], cap: number): Promise<LineResult> {
  const via = (i: number) => replicas.processes[i % replicas.processes.length]!.url;
  const subOf = (name: string) => `line-${name}`;
  const watch = await watchEngine(replicas.processes[0]!.docker, replicas.processes[0]!.instance, cap);
  const places = new Map<string, number[]>();
  const answers = new Map<string, Promise<StartAnswer>>();
  const ask = (i: number) => {
    const name = names[i]!;
    const answer = startThroughPortal(via(i), cookies.get(name)!, (message) => {
      const place = /number (\d+) in line/.exec(message);
      if (place) places.set(name, [...(places.get(name) ?? []), Number(place[1])]);
    });
    answer.catch(() => undefined);
    answers.set(name, answer);
    return answer;
  };
  const running = async (name: string, ms: number) => {
    const answer = await withTimeout(answers.get(name)!, ms, `${name}'s workspace started`);
    if (answer.status?.state !== "running") throw new Error(`${name}'s start answered ${JSON.stringify(answer.error ?? answer.status)}`);
  };
  try {
    for (let i = 0; i < cap; i++) ask(i);
    for (let i = 0; i < cap; i++) await running(names[i]!, 180_000);
    for (let i = cap; i < names.length; i++) {
      ask(i);
      await until(() => (places.get(names[i]!) ?? []).includes(i - cap + 1), 180_000, `${names[i]} told its place`);
    }
    progress(`start line: ${names.slice(0, cap).join(", ")} running, ${names.slice(cap).join(", ")} in line`);
    for (let i = cap; i < names.length; i++) {
      const stopped = await postAs(via(i - cap + 1), cookies.get(names[i - cap]!)!, "/api/workspace/stop");
      if (stopped.status !== 200) throw new Error(`stopping ${names[i - cap]} answered ${stopped.status}`);
      await running(names[i]!, 180_000);
    }
    await until(() => watch.starts.length >= names.length, 60_000, "every start seen in the engine's events");
  } finally {
    await Promise.allSettled(answers.values());
    watch.close();
  }
  const started = watch.starts.map((sub) => names.find((n) => subOf(n) === sub) ?? sub);
  // The first `cap` asked at once: either order is theirs; each later one has exactly one rightful place.
  const outOfOrder = started.filter((name, i) => (i < cap ? !names.slice(0, cap).includes(name) : names[i] !== name)).length;
  progress(`start line: started ${started.join(", ")}; most running at once ${watch.maxRunning}`);
  return { cap, asked: [...names], started, outOfOrder, overCapMoments: watch.overCapMoments, maxRunning: watch.maxRunning };
}
