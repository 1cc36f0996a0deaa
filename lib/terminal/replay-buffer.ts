import { EscapeTracker, MODE_BITS, restoreModes } from "./escape-tracker";

interface Chunk {
  data: Buffer;
  /** The stream was at a clean point just before this chunk. */
  cleanBefore: boolean;
  modesBefore: number;
}

/**
 * The recent output of one terminal, bounded, for a client that (re)attaches. Old chunks are dropped whole and
 * only up to a chunk that starts at a clean point, so a replay never begins inside an escape sequence or a
 * UTF-8 character; the modes in force at that point are restored first.
 */
export class ReplayBuffer {
  private readonly tracker = new EscapeTracker();
  private chunks: Chunk[] = [];
  private size = 0;

  constructor(private readonly capacity: number) {}

  append(data: Buffer): void {
    this.chunks.push({ data, cleanBefore: this.tracker.clean, modesBefore: this.tracker.modes });
    this.size += data.length;
    this.tracker.feed(data);
    this.trim();
  }

  /** Whether a full-screen program (vim, htop, less) has the alternate screen now. */
  get alternateScreen(): boolean {
    return (this.tracker.modes & MODE_BITS[1049]!) !== 0;
  }

  get byteLength(): number {
    return this.size;
  }

  /** What to write into a reset terminal to show what this one shows. */
  snapshot(): Buffer {
    const first = this.chunks[0];
    if (!first) return Buffer.alloc(0);
    return Buffer.concat([Buffer.from(restoreModes(first.modesBefore)), ...this.chunks.map((c) => c.data)]);
  }

  private trim(): void {
    while (this.size > this.capacity && this.chunks.length > 1) {
      // Find the next clean chunk start after the first one; drop everything before it.
      let next = 1;
      while (next < this.chunks.length && !this.chunks[next]!.cleanBefore) next++;
      if (next === this.chunks.length) return; // no clean point yet: keep everything until one comes
      const dropped = this.chunks.splice(0, next);
      for (const c of dropped) this.size -= c.data.length;
    }
  }
}
