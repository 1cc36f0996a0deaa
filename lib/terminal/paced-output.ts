import { Transform, type TransformCallback } from "node:stream";
import type { OutputPacer, PacedTerminal } from "./output-pacer";

/**
 * A shell's output on its way to a client that is not a web terminal (an SSH session with a PTY), held back as
 * the shared pacer says, the same as a web terminal's: typing into it counts as typing, and lets it go at once.
 */
export class PacedOutput extends Transform {
  private readonly paced: PacedTerminal;
  private held: { cancel: () => void; done: TransformCallback } | null = null;

  constructor(pacer: OutputPacer) {
    super();
    this.paced = pacer.member();
  }

  typed(): void {
    this.paced.typed();
    this.release();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const delay = this.paced.delayAfter(chunk.length);
    if (delay <= 0) return done(null, chunk);
    // Held before the push: whoever reads the chunk may type in reply at once, which must find it held.
    const cancel = this.paced.hold(delay, () => this.release());
    this.held = { cancel, done };
    this.push(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.held?.cancel();
    this.held = null;
    this.paced.leave();
    callback(error);
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    held.cancel();
    held.done();
  }
}
