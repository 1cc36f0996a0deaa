import type { StackKind } from "../lib/clients/bench-terminal";
import type { EchoResult } from "./echo-latency";
import type { StartupResult } from "./startup";
import type { ThroughputResult } from "./throughput";

export const STACKS: StackKind[] = ["portal", "wetty", "docker"];
export const STACK_LABEL: Record<StackKind, string> = { portal: "portal", wetty: "WeTTY", docker: "bare API" };

/** Everything the terminal suite measured; a missing entry is a figure that could not be taken (see `errors`). */
export interface TerminalResults {
  throughputMb: number;
  throughput: Partial<Record<StackKind, ThroughputResult>>;
  /** One session typing alone: the median round (by p99) of `echoAloneRuns`, whose p99 range the report shows. */
  echoAlone: Partial<Record<StackKind, EchoResult>>;
  echoAloneRuns: Partial<Record<StackKind, EchoResult[]>>;
  /** Echo while the others flood, every keystroke from the first. */
  echoFlood: Partial<Record<StackKind, EchoResult>>;
  /** The first `floodSettleSeconds` of those, for information. */
  echoFloodOnset: Partial<Record<StackKind, EchoResult>>;
  floodSettleSeconds: number;
  /** Echo after the typist paused this many seconds, still every keystroke from the first after the pause. */
  echoAfterPause: Record<number, Partial<Record<StackKind, EchoResult>>>;
  /** Megabytes per second the flooding sessions received together, to show the flood was real. */
  floodRate: Partial<Record<StackKind, number>>;
  floodSessions: number;
  /** Server memory: portal idle and peak while streaming; WeTTY's whole process at its peak (MiB). */
  memory: { portalIdle?: number; portalPeak?: number; wettyPeak?: number };
  /** What idle open terminals cost the portal's process. */
  idleTerminals?: { count: number; mibEach: number; before: number; after: number };
  startup?: StartupResult;
  startupRuns: number;
  errors: string[];
}
