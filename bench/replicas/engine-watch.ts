import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { LABEL } from "../../lib/workspace/labels";

/** The engine's own account of an instance's containers starting and dying, in its order, against a cap. */
export interface EngineWatch {
  /** Owner subjects, in the order the engine started their containers. */
  starts: string[];
  maxRunning: number;
  /** Events after which more than the cap were running (each such moment counted once, when it begins). */
  overCapMoments: number;
  close(): void;
}

/** Watches the engine's start and die events of `instance`'s containers (nothing between two samples is missed). */
export async function watchEngine(docker: Docker, instance: string, cap: number): Promise<EngineWatch> {
  const stream = (await docker.getEvents({
    filters: { type: ["container"], event: ["start", "die"], label: [`${LABEL.instance}=${instance}`] },
  })) as unknown as Readable;
  const watch: EngineWatch = { starts: [], maxRunning: 0, overCapMoments: 0, close: () => stream.destroy() };
  let running = 0;
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
      const action = event.Action ?? event.status;
      const before = running;
      if (action === "start") {
        watch.starts.push(event.Actor?.Attributes?.[LABEL.ownerSub] ?? "?");
        running += 1;
      }
      if (action === "die") running = Math.max(0, running - 1);
      if (running > cap && before <= cap) watch.overCapMoments += 1;
      watch.maxRunning = Math.max(watch.maxRunning, running);
    }
  });
  return watch;
}
