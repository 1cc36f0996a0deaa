import type { BenchTerminal } from "../lib/clients/bench-terminal";
import { waitForOutput } from "../lib/clients/wait-for-output";
import { percentile } from "../lib/stats";
import { sleep } from "../lib/time";

export interface EchoResult {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** One keystroke: when it was sent (ms after the phase began) and how long its echo took. */
export interface EchoSample {
  at: number;
  ms: number;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/**
 * Keystroke-to-echo time as a typist sees it, every keystroke from the first: one letter sent, the time until
 * readline echoes it back; then a backspace, awaited too (not timed), so the line stays empty; then a small
 * random pause. Bounded in both samples and wall-clock time: a slow stack yields fewer samples, never a longer
 * phase.
 */
export async function measureEcho(term: BenchTerminal, samples: number, phaseSeconds: number): Promise<EchoSample[]> {
  const times: EchoSample[] = [];
  const begun = performance.now();
  const deadline = begun + phaseSeconds * 1000;
  while (times.length < samples && performance.now() < deadline) {
    const letter = LETTERS[Math.floor(Math.random() * LETTERS.length)]!;
    const echoed = waitForOutput(term, (text) => text.includes(letter), 10_000, `echo of "${letter}"`);
    const sent = performance.now();
    term.send(letter);
    times.push({ at: sent - begun, ms: (await echoed) - sent });
    // readline erases with backspace (and an erase-line sequence): any \b means the letter is gone.
    const erased = waitForOutput(term, (text) => text.includes("\b"), 10_000, "erase echo");
    term.send("\x7f");
    await erased;
    await sleep(5 + Math.random() * 20);
  }
  return times;
}

/** The round whose p99 is the median of the rounds' (the lower middle one of an even count); null for none. */
export function medianRound(rounds: EchoResult[]): EchoResult | null {
  const sorted = [...rounds].sort((a, b) => a.p99 - b.p99);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

/** p50, p99 and the slowest of the keystrokes sent within [fromMs, toMs) of the phase. */
export function summarizeEcho(samples: EchoSample[], fromMs = 0, toMs = Number.POSITIVE_INFINITY): EchoResult {
  const ms = samples.filter((s) => s.at >= fromMs && s.at < toMs).map((s) => s.ms);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.length ? Math.max(...ms) : Number.NaN, samples: ms.length };
}
