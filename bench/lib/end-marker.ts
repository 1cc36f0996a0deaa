import { randomBytes } from "node:crypto";
import type { Chunk } from "./clients/bench-terminal";

/**
 * A marker that only the command's output can contain: the command line prints it with printf from two halves
 * separated by a space, so readline's echo of the typed line never matches, and a fresh token per run means
 * nothing left over from an earlier run can either.
 */
export function endMarker(): { marker: string; printCommand: string } {
  const token = randomBytes(6).toString("hex");
  return { marker: `__END__${token}__`, printCommand: `printf '%s%s\\n' __END __${token}__` };
}

/**
 * Finds `marker` in a stream of chunks without holding the stream: only the last marker-length characters are
 * carried over, so a marker split across two chunks is still found. Chunks are searched in place (Buffer
 * indexOf is a native scan), which keeps the measuring client's CPU cost per megabyte small.
 */
export class MarkerScanner {
  private tail = "";

  constructor(private readonly marker: string) {}

  /** True once the marker has been seen (in this chunk or spanning its start). */
  feed(chunk: Chunk): boolean {
    const text = typeof chunk === "string";
    if (chunk.length === 0) return false;
    const n = this.marker.length;
    const head = text ? chunk.slice(0, n) : chunk.subarray(0, n).toString("latin1");
    if ((this.tail + head).includes(this.marker)) return true;
    if (text ? chunk.includes(this.marker) : chunk.indexOf(this.marker, 0, "latin1") >= 0) return true;
    const end = text ? chunk.slice(-n) : chunk.subarray(Math.max(0, chunk.length - n)).toString("latin1");
    this.tail = (this.tail + end).slice(-n);
    return false;
  }
}
