const MAX_HOLD_STEP_MS = 100;

export interface OutputPacerOptions {
  /** A terminal typed into within this long is interactive; while any is, bulk output is paced. */
  interactiveMs: number;
  /** What all bulk terminals together may send per second while somebody is typing. */
  bulkBytesPerSecond: number;
}

/**
 * Keeps keystrokes prompt while other terminals print without end. A `yes` or a huge `cat` in a terminal nobody
 * is typing into makes the portal, Docker and the shell's processes compete for the same CPUs as the echo of
 * someone's typing (on a small machine, tens of milliseconds per keystroke). So while any terminal on the portal
 * has been typed into recently, terminals that have not share one byte budget; with nobody typing, every
 * terminal runs at full speed. A human cannot read more than a few megabytes a second anyway.
 */
export class OutputPacer {
  private lastTyped = Number.NEGATIVE_INFINITY;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly options: OutputPacerOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst;
    this.refilledAt = now();
  }

  /** A keystroke arrived on some terminal. */
  typed(): void {
    this.lastTyped = this.now();
  }

  /**
   * After a terminal sent `bytes`: how many milliseconds it should wait before reading more output (0: go on).
   * `typedAt` is when that terminal itself was last typed into (the `now()` clock).
   */
  delayAfter(bytes: number, typedAt: number): number {
    const now = this.now();
    if (now - this.lastTyped > this.options.interactiveMs) return 0;
    if (now - typedAt <= this.options.interactiveMs) return 0;
    const rate = this.options.bulkBytesPerSecond / 1000;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * rate);
    this.refilledAt = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : -this.tokens / rate;
  }

  /**
   * Calls `resume` once a terminal told to wait `delay` ms may read again. The wait is taken in short steps, each
   * asking again, so the terminal runs free soon after the typing stops. Returns a function that cancels it.
   */
  hold(delay: number, typedAt: () => number, resume: () => void): () => void {
    let timer: NodeJS.Timeout;
    const step = (ms: number) => {
      timer = setTimeout(() => {
        const more = this.delayAfter(0, typedAt());
        if (more > 0) step(more);
        else resume();
      }, Math.min(ms, MAX_HOLD_STEP_MS));
    };
    step(delay);
    return () => clearTimeout(timer);
  }

  /** A tenth of a second's worth may go at once. */
  private get burst(): number {
    return this.options.bulkBytesPerSecond / 10;
  }
}
