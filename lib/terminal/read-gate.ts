/**
 * Why a shell's output is not being read right now. Each brake owns one hold and sets or clears only its own:
 * - `acknowledgement`: the client has too much output it has not acknowledged (FlowControl);
 * - `gathering`: a burst is being gathered into one message, the kernel holding the rest (OutputBatcher);
 * - `pacing`: bulk output is held back while somebody types elsewhere (PacedTerminal).
 */
export type ReadHold = "acknowledgement" | "gathering" | "pacing";

/** What the gate opens and closes: a readable stream, or a stage that reads like one. */
export interface ReadTarget {
  pause(): unknown;
  resume(): unknown;
}

/**
 * The one answer to "is this shell's output read now?": yes while no hold is set. The target is paused when the
 * first hold is set and resumed when the last is cleared, once each, so brakes that arrive and leave in any order
 * never undo each other (the browser catching up must not resume a stream the pacer is holding back).
 */
export class ReadGate {
  private readonly holds = new Set<ReadHold>();

  constructor(private readonly target: ReadTarget) {}

  /** Sets (`on`) or clears one hold; setting a hold already set, or clearing one not set, does nothing. */
  hold(name: ReadHold, on = true): void {
    const wasOpen = this.open;
    if (on) this.holds.add(name);
    else this.holds.delete(name);
    if (wasOpen && !this.open) this.target.pause();
    else if (!wasOpen && this.open) this.target.resume();
  }

  release(name: ReadHold): void {
    this.hold(name, false);
  }

  isHeld(name: ReadHold): boolean {
    return this.holds.has(name);
  }

  /** Whether the output is being read: no hold is set. */
  get open(): boolean {
    return this.holds.size === 0;
  }
}
