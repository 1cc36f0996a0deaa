// A held terminal is looked at again at least this often, so it runs free soon after the typing stops.
const MAX_WAIT_STEP_MS = 100;

export interface OutputPacerOptions {
  /** A terminal typed into within this long is interactive; while any is, bulk output is paced. */
  interactiveMs: number;
  /** What all bulk terminals together may send per second while somebody is typing. */
  bulkBytesPerSecond: number;
}

interface Waiter {
  resume: () => void;
}

/**
 * Keeps keystrokes prompt while other terminals print without end. A `yes` or a huge `cat` in a terminal nobody
 * is typing into makes the portal, Docker and the shell's processes compete for the same CPUs as the echo of
 * someone's typing (on a small machine, tens of milliseconds per keystroke). So while any terminal on the portal
 * has been typed into recently, terminals that have not share one byte budget; with nobody typing, every
 * terminal runs at full speed. A human cannot read more than a few megabytes a second anyway.
 *
 * Held terminals wait in one first-come queue and are let go one at a time as the budget refills: released
 * together, twenty of them would each read a chunk in the same moment, and that burst is the very delay a
 * keystroke must not meet.
 */
export class OutputPacer {
  private lastTyped = Number.NEGATIVE_INFINITY;
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;

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
    if (!this.someoneTyping(now)) return 0;
    if (now - typedAt <= this.options.interactiveMs) return 0;
    this.refill(now);
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : -this.tokens / this.rate;
  }

  /**
   * Holds a terminal that `delayAfter` told to wait: `resume` is called when its turn comes, or at once when
   * nobody is typing any more. Returns a function that takes it out of the queue (its own user typed).
   */
  hold(resume: () => void): () => void {
    const waiter: Waiter = { resume };
    this.queue.push(waiter);
    this.schedule();
    return () => {
      const at = this.queue.indexOf(waiter);
      if (at >= 0) this.queue.splice(at, 1);
    };
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = this.tokens >= 0 ? 0 : -this.tokens / this.rate;
    this.timer = setTimeout(() => this.release(), Math.min(Math.max(wait, 1), MAX_WAIT_STEP_MS));
  }

  private release(): void {
    this.timer = null;
    const now = this.now();
    if (!this.someoneTyping(now)) {
      for (const waiter of this.queue.splice(0)) waiter.resume();
      return;
    }
    this.refill(now);
    if (this.tokens >= 0) this.queue.shift()?.resume();
    this.schedule();
  }

  private someoneTyping(now: number): boolean {
    return now - this.lastTyped <= this.options.interactiveMs;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.rate);
    this.refilledAt = now;
  }

  private get rate(): number {
    return this.options.bulkBytesPerSecond / 1000;
  }

  /** A tenth of a second's worth may go at once. */
  private get burst(): number {
    return this.options.bulkBytesPerSecond / 10;
  }
}
