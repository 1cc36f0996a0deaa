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
  echoAlone: Partial<Record<StackKind, EchoResult>>;
  /** Echo once the flood has been typed into for `floodSettleSeconds`. */
  echoFlood: Partial<Record<StackKind, EchoResult>>;
  /** Echo in those first seconds of typing into the flood. */
  echoFloodOnset: Partial<Record<StackKind, EchoResult>>;
  floodSettleSeconds: number;
  /** Megabytes per second the flooding sessions received together, to show the flood was real. */
  floodRate: Partial<Record<StackKind, number>>;
  floodSessions: number;
  startup?: StartupResult;
  startupRuns: number;
  errors: string[];
}
