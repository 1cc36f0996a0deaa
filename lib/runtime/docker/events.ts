import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { ContainerEvent } from "../runtime";

const ACTIONS: readonly ContainerEvent["action"][] = ["create", "start", "die", "destroy"];
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * The engine's container events over one long-lived connection, opened again (sooner at first, then less often)
 * whenever it breaks, e.g. when the engine restarts. Each connection asks for the events since the last one seen,
 * or since the call: one that happens while the connection is still being opened is told all the same.
 */
export function followEvents(
  docker: Docker,
  labels: Record<string, string>,
  onEvent: (event: ContainerEvent | null) => void,
  onLost: () => void = () => {},
): () => void {
  const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  let since = Date.now() / 1000;
  let stopped = false;
  let stream: Readable | null = null;
  let timer: NodeJS.Timeout | null = null;
  let delay = RETRY_FIRST_MS;

  // The listener's own failure must not end the following, nor reach the engine's stream as an error.
  const tell = (event: ContainerEvent | null | "lost") => {
    try {
      if (event === "lost") onLost();
      else onEvent(event);
    } catch {
      // the listener answers for its own errors
    }
  };
  const retry = () => {
    stream = null;
    if (stopped) return;
    timer = setTimeout(open, delay);
    timer.unref();
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };
  const open = () => {
    timer = null;
    docker.getEvents({ since, filters: { type: ["container"], event: [...ACTIONS], label } }).then((opened) => {
      const current = opened as unknown as Readable;
      if (stopped) return void current.destroy();
      stream = current;
      delay = RETRY_FIRST_MS;
      let lost = false;
      const lose = () => {
        if (lost) return;
        lost = true;
        current.destroy();
        if (!stopped) tell("lost");
        retry();
      };
      let partial = "";
      current.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString("utf8")).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          const parsed = parse(line);
          if (!parsed) continue;
          since = parsed.at;
          if (parsed.event) tell(parsed.event);
        }
      });
      current.on("error", lose).on("end", lose).on("close", lose);
      tell(null);
    }, retry);
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    stream?.destroy();
  };
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** One line of the engine's stream: when it happened (seconds), and the event when it is one we follow. */
function parse(line: string): { at: number; event: ContainerEvent | null } | null {
  let raw: EngineEvent;
  try {
    raw = JSON.parse(line) as EngineEvent;
  } catch {
    return null;
  }
  const at = raw.timeNano ? raw.timeNano / 1e9 : (raw.time ?? 0);
  const action = ACTIONS.find((a) => a === raw.Action);
  const id = raw.Actor?.ID;
  if (!at) return null;
  return { at, event: action && id ? { id, action, attributes: raw.Actor?.Attributes ?? {} } : null };
}
