import type { ReadGate } from "./read-gate";

// Output arriving while the last message went out less than this long ago is gathered into one message.
const BATCH_MS = 4;
// A batch this large goes out at once.
const BATCH_BYTES = 64 * 1024;

/**
 * Turns a shell's output into few, large messages during a flood while a keystroke's echo after a quiet moment
 * still goes out at once. During a burst it sets the gate's `gathering` hold, so the exec stream is left unread
 * for a few milliseconds: the kernel then holds what arrives and hands it over in 64 KiB reads, instead of
 * one 3 KiB read per write Docker makes. Each read costs a fresh buffer, and at tens of megabytes a second those
 * buffers alone kept V8 collecting garbage several times a second.
 */
export class OutputBatcher {
  private batch: Buffer[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: NodeJS.Immediate | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  /** Typed into since the last output: what the shell says next is (most likely) the keystroke's echo. */
  private echoDue = false;

  constructor(
    private readonly emit: (data: Buffer) => void,
    private readonly gate: ReadGate,
  ) {}

  /** Whether a burst is being gathered (the stream left unread for it). */
  get gathering(): boolean {
    return this.gate.isHeld("gathering");
  }

  push(data: Buffer): void {
    const echo = this.echoDue;
    this.echoDue = false;
    const now = performance.now();
    if (!this.timer && !this.draining && now - this.lastSent >= BATCH_MS) return this.send(data);
    this.batch.push(data);
    this.bytes += data.length;
    // An echo goes out now, behind whatever was gathered (order kept), however recent the last message.
    if (echo || this.bytes >= BATCH_BYTES) return this.flush();
    if (!this.timer && !this.draining) {
      this.timer = setTimeout(() => this.endGathering(), BATCH_MS);
      this.setGathering(true);
    }
  }

  /**
   * The user typed: a burst being gathered goes out now and the stream is read again, and the next output (the
   * echo) is sent the moment it is read. Otherwise a keystroke landing within the window after other output (the
   * previous key's erase, a prompt drawn in two writes) waits out the gathering, and on a machine whose timers
   * fire late that is several milliseconds: it was the portal's keystroke-echo p99.
   */
  typed(): void {
    this.echoDue = true;
    this.flush();
  }

  /** Sends what is gathered now. */
  flush(): void {
    this.cancel();
    if (this.batch.length > 0) {
      const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.bytes);
      this.batch = [];
      this.bytes = 0;
      this.send(data);
    }
    this.setGathering(false);
  }

  /** Forgets what is gathered (a replay is about to show it anyway). */
  drop(): void {
    this.cancel();
    this.echoDue = false;
    this.batch = [];
    this.bytes = 0;
    this.setGathering(false);
  }

  // Reading resumes first; what the kernel held comes in during this turn of the event loop, and goes out with
  // the batch right after it.
  private endGathering(): void {
    this.timer = null;
    this.draining = setImmediate(() => {
      this.draining = null;
      this.flush();
    });
    this.setGathering(false);
  }

  private send(data: Buffer): void {
    this.lastSent = performance.now();
    this.emit(data);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.draining) clearImmediate(this.draining);
    this.timer = null;
    this.draining = null;
  }

  private setGathering(on: boolean): void {
    this.gate.hold("gathering", on);
  }
}
