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
  /** Chunks before this index are dropped; compacted now and then rather than spliced on every append. */
  private head = 0;
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
    const live = this.chunks.slice(this.head);
    const first = live[0];
    if (!first) return Buffer.alloc(0);
    return Buffer.concat([Buffer.from(restoreModes(first.modesBefore)), ...live.map((c) => c.data)]);
  }

  private trim(): void {
    while (this.size > this.capacity && this.chunks.length - this.head > 1) {
      // Find the next clean chunk start after the first one; drop everything before it.
      let next = this.head + 1;
      while (next < this.chunks.length && !this.chunks[next]!.cleanBefore) next++;
      if (next === this.chunks.length) break; // no clean point yet: keep everything until one comes
      for (let k = this.head; k < next; k++) this.size -= this.chunks[k]!.data.length;
      this.head = next;
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
