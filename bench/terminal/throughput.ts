import type { BenchTerminal, Chunk } from "../lib/clients/bench-terminal";
import { waitForPrompt } from "../lib/clients/wait-for-output";
import { endMarker, MarkerScanner } from "../lib/end-marker";
import { median } from "../lib/stats";

export interface ThroughputRun {
  bytes: number;
  seconds: number;
}

export interface ThroughputResult {
  /** Megabytes (10^6 bytes) per second reaching the client, median of the runs. */
  mbPerSecond: number;
  runs: ThroughputRun[];
}

/**
 * One run: time from sending `head -c <N MiB> /dev/urandom | base64` to the client seeing the unique end marker,
 * counting every byte that arrived (characters for WeTTY's decoded strings: base64 is ASCII, so the same).
 */
export async function throughputRun(term: BenchTerminal, megabytes: number): Promise<ThroughputRun> {
  // Generous: even 2 MB/s finishes; a stack slower than that is reported as failed rather than waited for.
  const timeoutMs = Math.max(30_000, megabytes * 1.4 * 500);
  const { marker, printCommand } = endMarker();
  const scanner = new MarkerScanner(marker);
  let bytes = 0;
  const done = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${term.kind}: end marker not seen within ${Math.round(timeoutMs / 1000)} s (${bytes} bytes arrived)`));
    }, timeoutMs);
    const off = term.onOutput((chunk: Chunk) => {
      bytes += chunk.length;
      if (!scanner.feed(chunk)) return;
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });
  const start = performance.now();
  // In bytes rather than GNU's `NM`, which busybox's head (the test image's) does not read.
  term.send(`head -c ${megabytes * 1024 * 1024} /dev/urandom | base64; ${printCommand}\r`);
  const end = await done;
  // The next run starts at a quiet prompt. The one after the marker may have come in the marker's own chunk, so
  // ask for a fresh one rather than scan hundreds of megabytes for it.
  const prompt = waitForPrompt(term, 30_000);
  term.send("\r");
  await prompt;
  return { bytes, seconds: (end - start) / 1000 };
}

export function summarizeThroughput(runs: ThroughputRun[]): ThroughputResult {
  return { mbPerSecond: median(runs.map((r) => r.bytes / 1e6 / r.seconds)), runs };
}
