import type { ReadGate } from "./read-gate";

/**
 * Backpressure between a fast producer (a process printing without end) and a browser that renders at its own
 * pace: the browser acknowledges bytes it has rendered; above `high` unacknowledged bytes the gate's
 * `acknowledgement` hold is set, below `low` it is cleared. Memory stays bounded and the tab never drowns.
 */
export class FlowControl {
  private unacked = 0;

  constructor(
    private readonly high: number,
    private readonly low: number,
    private readonly gate: ReadGate,
  ) {
    if (!(low < high)) throw new Error("flow control needs low < high");
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked > this.high) this.gate.hold("acknowledgement");
  }

  acked(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.unacked < this.low) this.gate.release("acknowledgement");
  }

  /** A new client starts with nothing outstanding. */
  reset(): void {
    this.unacked = 0;
    this.gate.release("acknowledgement");
  }

  get outstanding(): number {
    return this.unacked;
  }
}
