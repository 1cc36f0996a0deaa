import type { TerminalSize, TerminalTarget } from "../clients/bench-terminal";

/** Parent -> flood worker. */
export type FloodCommand = { type: "start"; target: TerminalTarget; sessions: number; size: TerminalSize; command: string } | { type: "stop" };

/** Flood worker -> parent. */
export type FloodReport =
  | { type: "flooding"; sessions: number }
  | { type: "stopped"; bytes: number; seconds: number }
  | { type: "error"; message: string };
