/** Knobs of the benchmark, all from the environment so CI and a developer can shrink a run without editing code. */
export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export const benchConfig = {
  /** Megabytes of urandom fed through base64 per throughput run (output is ~1.37x that). */
  throughputMb: positiveNumber("BENCH_THROUGHPUT_MB", 200),
  throughputRuns: positiveNumber("BENCH_THROUGHPUT_RUNS", 3),
  /** Keystrokes per echo phase: a p99 of 300 rests on its 3 worst, of 1000 on its 10 worst. */
  echoSamples: positiveNumber("BENCH_ECHO_SAMPLES", 1000),
  /** Wall-clock cap of one echo-latency phase; a slow stack yields fewer samples rather than a longer run. */
  echoPhaseSeconds: positiveNumber("BENCH_ECHO_PHASE_SECONDS", 45),
  /** Sessions in the flood phase: one measured, the others flooding. */
  floodSessions: positiveNumber("BENCH_FLOOD_SESSIONS", 20),
  /**
   * Seconds of typing into the flood before its echo is measured, themselves reported apart: the portal paces
   * floods while somebody types, and Docker's own buffers (about 1 MiB per exec) fill behind each paused flood
   * in the first seconds. The steady figure is what a typist meets after that; the onset, what they meet first.
   */
  floodSettleSeconds: positiveNumber("BENCH_FLOOD_SETTLE_SECONDS", 8),
  startupRuns: positiveNumber("BENCH_STARTUP_RUNS", 5),
  cols: 120,
  rows: 40,
};
