import type { BenchTerminal } from "../lib/clients/bench-terminal";
import { waitForOutput } from "../lib/clients/wait-for-output";
import { percentile } from "../lib/stats";
import { sleep } from "../lib/time";

export interface EchoResult {
  p50: number;
  p99: number;
  samples: number;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/**
 * Keystroke-to-echo time as a typist sees it: one letter sent, the time until readline echoes it back; then a
 * backspace, awaited too (not timed), so the line stays empty; then a small random pause. Bounded in both
 * samples and wall-clock time: a slow stack yields fewer samples, never a longer phase.
 */
export async function measureEcho(term: BenchTerminal, samples: number, phaseSeconds: number): Promise<EchoResult> {
  const times: number[] = [];
  const deadline = performance.now() + phaseSeconds * 1000;
  while (times.length < samples && performance.now() < deadline) {
    const letter = LETTERS[Math.floor(Math.random() * LETTERS.length)]!;
    const echoed = waitForOutput(term, (text) => text.includes(letter), 10_000, `echo of "${letter}"`);
    const sent = performance.now();
    term.send(letter);
    times.push((await echoed) - sent);
    // readline erases with backspace (and an erase-line sequence): any \b means the letter is gone.
    const erased = waitForOutput(term, (text) => text.includes("\b"), 10_000, "erase echo");
    term.send("\x7f");
    await erased;
    await sleep(5 + Math.random() * 20);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples: times.length };
}
