export interface Trend {
  first: number;
  last: number;
  max: number;
  mean: number;
  /** Least-squares slope, units per minute. */
  perMinute: number;
  /** What that slope adds up to over the window, as a percentage of the mean. */
  driftPercent: number;
  flat: boolean;
}

/**
 * Whether a series stayed flat: a fitted slope rather than first-vs-last, so one noisy sample (a GC just before
 * it, a socket mid-close) neither hides nor fakes a leak. Flat means the drift over the window is within
 * `tolerance` of the mean or within `slack` units, so for counts 3 -> 4 sockets is not a 33 % leak.
 */
export function trend(points: { at: number; value: number }[], tolerance = 0.1, slack = 0): Trend {
  const n = points.length;
  const mean = points.reduce((sum, p) => sum + p.value, 0) / n;
  const meanAt = points.reduce((sum, p) => sum + p.at, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - meanAt) * (p.value - mean);
    den += (p.at - meanAt) ** 2;
  }
  const perSecond = den > 0 ? num / den : 0;
  const span = n > 1 ? points[n - 1]!.at - points[0]!.at : 0;
  const drift = perSecond * span;
  return {
    first: points[0]?.value ?? Number.NaN,
    last: points[n - 1]?.value ?? Number.NaN,
    max: Math.max(...points.map((p) => p.value)),
    mean,
    perMinute: perSecond * 60,
    driftPercent: mean !== 0 ? (drift / Math.abs(mean)) * 100 : 0,
    flat: Math.abs(drift) <= Math.max(tolerance * Math.abs(mean), slack),
  };
}
