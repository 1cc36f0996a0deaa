/**
 * Backpressure between a fast producer (a process printing without end) and a browser that renders at its own
 * pace: the browser acknowledges bytes it has rendered; above `high` unacknowledged bytes the producer is
 * paused, below `low` it is resumed. Memory stays bounded and the tab never drowns.
 */
export class FlowControl {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly high: number,
    private readonly low: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {
    if (!(low < high)) throw new Error("flow control needs low < high");
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.pause();
    }
  }

  acked(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.resume();
    }
  }

  /** A new client starts with nothing outstanding. */
  reset(): void {
    this.unacked = 0;
    if (this.paused) {
      this.paused = false;
      this.resume();
    }
  }

  get outstanding(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
