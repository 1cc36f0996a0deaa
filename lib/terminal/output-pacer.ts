import type { ReadGate } from "./read-gate";

const MAX_HOLD_STEP_MS = 100;
/**
 * Output a terminal may print at full speed, counted from its last keystroke or its last quiet second, before
 * it counts as a flood. A command's ordinary output (a listing, a build log, a traceback) stays below it.
 */
const FLOOD_BYTES = 1024 * 1024;
/** A terminal that printed nothing for this long has ended its flood (time held back by the pacer excluded). */
const QUIET_MS = 1000;

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
 * someone's typing (on a small machine, tens of milliseconds per keystroke). So the terminals nobody is typing
 * into share one byte budget:
 * - while somebody types into another terminal (or did within `attentionMs`: still reading), and
 * - once they have flooded (printed FLOOD_BYTES without a quiet second) while any other terminal is open, typed
 *   into or not. Pacing a flood only when the typing starts was too late: the first seconds of typing then met
 *   every flood at full speed, and Docker filling its buffers (about 1 MiB per exec) behind each paused one.
 * A terminal alone, and a terminal's own output for `interactiveMs` after each keystroke into it, run at full
 * speed. A human cannot read more than a few megabytes a second anyway.
 */
export class OutputPacer {
  // The latest keystroke and the latest one into any other terminal: enough to tell any terminal when somebody
  // else last typed, without keeping every terminal that ever existed.
  private latest = NEVER;
  private previous = NEVER;
  private nextId = 0;
  /** Terminals somebody has open now (a web terminal with its page attached, an SSH session). */
  private open = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly options: OutputPacerOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst;
    this.refilledAt = now();
  }

  /**
   * One terminal's view of the pacer; `open` says whether somebody has it open yet (see PacedTerminal.shown), and
   * `gate` is where it holds the terminal's reading back (see PacedTerminal.sent).
   */
  member(open = true, gate: ReadGate | null = null): PacedTerminal {
    const terminal = new PacedTerminal(this, this.nextId++, gate);
    terminal.shown(open);
    return terminal;
  }

  /** @internal a terminal was opened (+1) or closed (-1) by its client. */
  counted(change: 1 | -1): void {
    this.open += change;
  }

  /** @internal the pacer's clock. */
  time(): number {
    return this.now();
  }

  /** @internal a keystroke into terminal `by`; returns its time. */
  typed(by: number): number {
    const at = this.now();
    if (this.latest.by !== by) this.previous = this.latest;
    this.latest = { at, by };
    return at;
  }

  /** @internal see {@link PacedTerminal.delayAfter}. */
  delayAfter(by: number, bytes: number, typedAt: number, flooding: boolean): number {
    const now = this.now();
    if (now - typedAt <= this.options.interactiveMs) return 0;
    const othersTypedAt = this.latest.by === by ? this.previous.at : this.latest.at;
    const someoneElseTyping = now - othersTypedAt <= this.options.attentionMs;
    if (!someoneElseTyping && !(flooding && this.open > 1)) return 0;
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

/**
 * A terminal under the shared pacer: it reports its keystrokes and the output it read, and sets its gate's
 * `pacing` hold for as long as the pacer says to wait.
 */
export class PacedTerminal {
  private typedAt = Number.NEGATIVE_INFINITY;
  /** Bytes printed since the last keystroke or quiet second. */
  private streak = 0;
  private lastOutputAt = Number.NEGATIVE_INFINITY;
  private open = false;
  /** Set while the `pacing` hold is set and its wait runs. */
  private wait: NodeJS.Timeout | null = null;
  private left = false;

  constructor(
    private readonly pacer: OutputPacer,
    private readonly id: number,
    private readonly gate: ReadGate | null,
  ) {}

  /**
   * A keystroke into this terminal: its own output runs free again, and its flood is counted afresh. A wait in
   * progress ends at once (a Ctrl-C must reach a paced flood without waiting).
   */
  typed(): void {
    this.typedAt = this.pacer.typed(this.id);
    this.streak = 0;
    if (this.wait) {
      clearTimeout(this.wait);
      this.wait = null;
      this.gate?.release("pacing");
    }
  }

  /**
   * After this terminal's output of `bytes` was read: sets the gate's `pacing` hold if the pacer says to wait, and
   * clears it once the wait is over. Output read while the hold is already set (read before it took hold) is
   * counted, and does not start a second wait. The wait is taken in short steps, each asking again, so the
   * terminal runs free soon after the typing stops.
   */
  sent(bytes: number): void {
    const delay = this.delayAfter(bytes);
    if (delay <= 0 || this.wait || this.left || !this.gate) return;
    this.gate.hold("pacing");
    this.waitFor(delay);
  }

  /**
   * After this terminal sent `bytes`: how many milliseconds it should wait before reading more (0: go on).
   * Asked again with 0 while it waits, which keeps its flood from looking quiet.
   */
  delayAfter(bytes: number): number {
    const now = this.pacer.time();
    if (now - this.lastOutputAt > QUIET_MS) this.streak = 0;
    this.lastOutputAt = now;
    this.streak += bytes;
    return this.pacer.delayAfter(this.id, bytes, this.typedAt, this.streak >= FLOOD_BYTES);
  }

  /**
   * Whether somebody has this terminal open: a flood is paced only beside another open terminal. A web terminal
   * whose page has gone (it waits for a reconnect) has nobody to type into it.
   */
  shown(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    this.pacer.counted(open ? 1 : -1);
  }

  /**
   * The terminal has ended; idempotent. Its wait stops, and a `pacing` hold it set stays: nothing more is read
   * for a terminal that has gone.
   */
  leave(): void {
    this.left = true;
    if (this.wait) clearTimeout(this.wait);
    this.wait = null;
    this.shown(false);
  }

  private waitFor(delay: number): void {
    this.wait = setTimeout(() => {
      const more = this.delayAfter(0);
      if (more > 0) return this.waitFor(more);
      this.wait = null;
      this.gate?.release("pacing");
    }, Math.min(delay, MAX_HOLD_STEP_MS));
  }
}
