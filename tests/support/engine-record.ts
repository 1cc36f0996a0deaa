import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { LABEL } from "../../lib/workspace/labels";

/** The engine's own account of one instance's workspaces starting and dying, in its order. */
export interface EngineRecord {
  /** Owner subjects, in the order the engine started their containers. */
  starts: string[];
  dies: number;
  /** The most containers of the instance running at once, by the engine's events: nothing between samples is missed. */
  maxRunning: number;
  /** How many of the instance's containers ran after each event, in order. */
  runningAfter: number[];
  close(): void;
}

export async function engineRecord(docker: Docker, instance: string): Promise<EngineRecord> {
  const stream = (await docker.getEvents({
    filters: { type: ["container"], event: ["start", "die"], label: [`${LABEL.instance}=${instance}`] },
  })) as unknown as Readable;
  const record: EngineRecord = { starts: [], dies: 0, maxRunning: 0, runningAfter: [], close: () => stream.destroy() };
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
      const action = event.Action ?? event.status;
      if (action === "start") record.starts.push(event.Actor?.Attributes?.[LABEL.ownerSub] ?? "?");
      if (action === "die") record.dies += 1;
      record.runningAfter.push(record.starts.length - record.dies);
      record.maxRunning = Math.max(record.maxRunning, record.starts.length - record.dies);
    }
  });
  return record;
}
