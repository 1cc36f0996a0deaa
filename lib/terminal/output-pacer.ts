const MAX_HOLD_STEP_MS = 100;

export interface OutputPacerOptions {
  /** A terminal typed into within this long is interactive itself: its own output is never paced. */
  interactiveMs: number;
  /**
   * While another terminal has been typed into within this long, a terminal that is not interactive is paced.
   * Longer than `interactiveMs` on purpose: a typist who stops to read and then types again must not meet the
   * lag of Docker's per-exec buffers (about 1 MiB each) filling up again behind every paused flood.
   */
  attentionMs: number;
  /** What all paced terminals together may send per second. */
  bulkBytesPerSecond: number;
}

interface Keystroke {
  at: number;
  by: number;
}

const NEVER: Keystroke = { at: Number.NEGATIVE_INFINITY, by: -1 };

/**
 * Keeps keystrokes prompt while other terminals print without end. A `yes` or a huge `cat` in a terminal nobody
 * is typing into makes the portal, Docker and the shell's processes compete for the same CPUs as the echo of
 * someone's typing (on a small machine, tens of milliseconds per keystroke). So while somebody types into one
 * terminal, the terminals nobody is typing into share one byte budget; with nobody typing, every terminal runs at
 * full speed. A human cannot read more than a few megabytes a second anyway.
 */
export class OutputPacer {
  // The latest keystroke and the latest one into any other terminal: enough to tell any terminal when somebody
  // else last typed, without keeping every terminal that ever existed.
  private latest = NEVER;
  private previous = NEVER;
  private members = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly options: OutputPacerOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst;
    this.refilledAt = now();
  }

  /** One terminal's view of the pacer. */
  member(): PacedTerminal {
    return new PacedTerminal(this, this.members++);
  }

  /** @internal a keystroke into terminal `by`; returns its time. */
  typed(by: number): number {
    const at = this.now();
    if (this.latest.by !== by) this.previous = this.latest;
    this.latest = { at, by };
    return at;
  }

  /** @internal see {@link PacedTerminal.delayAfter}. */
  delayAfter(by: number, bytes: number, typedAt: number): number {
    const now = this.now();
    if (now - typedAt <= this.options.interactiveMs) return 0;
    const othersTypedAt = this.latest.by === by ? this.previous.at : this.latest.at;
    if (now - othersTypedAt > this.options.attentionMs) return 0;
    const rate = this.options.bulkBytesPerSecond / 1000;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * rate);
    this.refilledAt = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : -this.tokens / rate;
  }

  /** A tenth of a second's worth may go at once. */
  private get burst(): number {
    return this.options.bulkBytesPerSecond / 10;
  }
}

/** A terminal under the shared pacer: it reports its keystrokes and asks before reading more output. */
export class PacedTerminal {
  private typedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly pacer: OutputPacer,
    private readonly id: number,
  ) {}

  /** A keystroke into this terminal. */
  typed(): void {
    this.typedAt = this.pacer.typed(this.id);
  }

  /** After this terminal sent `bytes`: how many milliseconds it should wait before reading more (0: go on). */
  delayAfter(bytes: number): number {
    return this.pacer.delayAfter(this.id, bytes, this.typedAt);
  }

  /**
   * Calls `resume` once a terminal told to wait `delay` ms may read again. The wait is taken in short steps, each
   * asking again, so the terminal runs free soon after the typing stops. Returns a function that cancels it.
   */
  hold(delay: number, resume: () => void): () => void {
    let timer: NodeJS.Timeout;
    const step = (ms: number) => {
      timer = setTimeout(() => {
        const more = this.delayAfter(0);
        if (more > 0) step(more);
        else resume();
      }, Math.min(ms, MAX_HOLD_STEP_MS));
    };
    step(delay);
    return () => clearTimeout(timer);
  }
}
