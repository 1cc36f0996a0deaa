/** Knobs of the benchmark, all from the environment so CI and a developer can shrink a run without editing code. */
export function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** A comma-separated list of positive numbers, e.g. "30,120". */
export function positiveNumbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${name} must be positive numbers separated by commas, got "${raw}"`);
  return values;
}

export const benchConfig = {
  /** Megabytes of urandom fed through base64 per throughput run (output is ~1.37x that). */
  throughputMb: positiveNumber("BENCH_THROUGHPUT_MB", 200),
  throughputRuns: positiveNumber("BENCH_THROUGHPUT_RUNS", 3),
  /** Keystrokes per echo phase: a p99 of 300 rests on its 3 worst, of 1000 on its 10 worst. */
  echoSamples: positiveNumber("BENCH_ECHO_SAMPLES", 1000),
  /** Wall-clock cap of one echo-latency phase; a slow stack yields fewer samples rather than a longer run. */
  echoPhaseSeconds: positiveNumber("BENCH_ECHO_PHASE_SECONDS", 45),
  /**
   * Rounds of the one-session echo phase, the stacks taking turns in each: its p99 rests on the 10 slowest of
   * 1000 keystrokes, and one round moved by over 1 ms between runs of the same tree, so the median is reported.
   */
  echoAloneRounds: positiveNumber("BENCH_ECHO_ALONE_ROUNDS", 3),
  /** Sessions in the flood phase: one measured, the others flooding. */
  floodSessions: positiveNumber("BENCH_FLOOD_SESSIONS", 20),
  /**
   * The first seconds of typing into the flood, reported apart for information: a stack that paces floods only
   * once somebody types shows its onset here. Every keystroke from the first counts in the flood's figures.
   */
  floodSettleSeconds: positiveNumber("BENCH_FLOOD_SETTLE_SECONDS", 8),
  /** Pauses in the typing (the typist reading, then coming back), each followed by typing measured again. */
  floodPauses: positiveNumbers("BENCH_FLOOD_PAUSES", [30, 120]),
  afterPauseSeconds: positiveNumber("BENCH_AFTER_PAUSE_SECONDS", 10),
  /** Idle terminals opened on the portal to measure what one costs its process. */
  idleTerminals: positiveNumber("BENCH_IDLE_TERMINALS", 200),
  startupRuns: positiveNumber("BENCH_STARTUP_RUNS", 5),
  cols: 120,
  rows: 40,
};
