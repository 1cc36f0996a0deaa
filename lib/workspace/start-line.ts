import type { Place } from "./start-gate";

/**
 * The cap on running workspaces and its fair first-come queue, as the workspace manager and the admin page use it:
 * StartGate (lib/workspace/start-gate.ts) in one process; SharedStartLine (lib/workspace/shared/) when several
 * processes share one PostgreSQL database and must keep one line between them.
 */
export interface StartLine {
  readonly cap: number;
  /** Takes `sub`'s place in line now: the order of calls is the order of the line. */
  enter(sub: string): Place;
  /** Something stopped or went away: see whether the next in line may go. */
  kick(): void;
  /** How many wait for a slot (for the metrics; where shared, as last seen). */
  readonly waiting: number;
  /** Who waits for a slot, first in line first. */
  waitingSubs(): string[] | Promise<string[]>;
}
