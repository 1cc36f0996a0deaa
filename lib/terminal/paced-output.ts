import { Transform, type TransformCallback } from "node:stream";
import type { OutputPacer, PacedTerminal } from "./output-pacer";
import { ReadGate } from "./read-gate";

/**
 * A shell's output on its way to a client that is not a web terminal (an SSH session with a PTY), held back as
 * the shared pacer says, the same as a web terminal's: typing into it counts as typing, and lets it go at once.
 * It has the same read gate as a web terminal, with only the `pacing` hold in use. The gate closes this stage
 * rather than the exec stream, whose pause and resume belong to `pipe()` here (the channel's own backpressure):
 * while a hold is set, the last chunk's callback is withheld, so nothing more is read.
 */
export class PacedOutput extends Transform {
  private readonly gate: ReadGate;
  private readonly paced: PacedTerminal;
  /** The callback of the chunk passed on while the gate was closed. */
  private waiting: TransformCallback | null = null;

  constructor(pacer: OutputPacer) {
    super();
    this.gate = new ReadGate({ pause: () => undefined, resume: () => this.proceed() });
    this.paced = pacer.member(true, this.gate);
  }

  typed(): void {
    this.paced.typed();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Held before the push: whoever reads the chunk may type in reply at once, which must find it held.
    this.paced.sent(chunk.length);
    if (this.gate.open) return done(null, chunk);
    this.waiting = done;
    this.push(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.waiting = null;
    this.paced.leave();
    callback(error);
  }

  private proceed(): void {
    const done = this.waiting;
    this.waiting = null;
    done?.();
  }
}
