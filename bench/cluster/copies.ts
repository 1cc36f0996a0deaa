import type { CopySample } from "./results";

export interface CopiesSummary {
  samples: number;
  /** Mean time between two samples (a round slower than the interval delays the next). */
  meanIntervalMs: number;
  maxRunning: number;
  maxReady: number;
  /** Time (summed over the intervals that began with such a sample) with more than one copy running, or ready. */
  msTwoRunning: number;
  msTwoReady: number;
  /** Samples in which some copy's probe did not answer in time. */
  unknownSamples: number;
}

/** What a partition's samples say: the most copies seen at once, and for how long there were two. Pure. */
export function summarizeCopies(samples: readonly CopySample[]): CopiesSummary {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  let msTwoRunning = 0;
  let msTwoReady = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const span = sorted[i + 1]!.at - sorted[i]!.at;
    if (sorted[i]!.running > 1) msTwoRunning += span;
    if (sorted[i]!.ready > 1) msTwoReady += span;
  }
  const span = sorted.length > 1 ? sorted.at(-1)!.at - sorted[0]!.at : Number.NaN;
  return {
    samples: sorted.length,
    meanIntervalMs: sorted.length > 1 ? span / (sorted.length - 1) : Number.NaN,
    maxRunning: sorted.length ? Math.max(...sorted.map((s) => s.running)) : Number.NaN,
    maxReady: sorted.length ? Math.max(...sorted.map((s) => s.ready)) : Number.NaN,
    msTwoRunning,
    msTwoReady,
    unknownSamples: sorted.filter((s) => s.unknown > 0).length,
  };
}
