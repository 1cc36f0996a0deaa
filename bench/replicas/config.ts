import { z } from "zod";

/**
 * Knobs of the replicas suite, from the environment (checked with zod, as the portal's own settings are) so CI and a
 * developer can shrink a run without editing code. The defaults keep the whole suite within a few minutes.
 */
const unset = (v: unknown) => (v === "" ? undefined : v);
const count = (fallback: number) => z.preprocess(unset, z.coerce.number().int().positive().default(fallback));
const seconds = (fallback: number) => z.preprocess(unset, z.coerce.number().positive().default(fallback));

export const PHASES = ["echo", "takeover", "line", "round-trips"] as const;
export type Phase = (typeof PHASES)[number];

const ReplicasBenchEnv = z.object({
  /** Which phases run, comma-separated (all by default). */
  BENCH_REPLICAS_PHASES: z.preprocess(
    unset,
    z
      .string()
      .default(PHASES.join(","))
      .transform((raw) => raw.split(",").map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.enum(PHASES)).min(1)),
  ),
  /** Terminals held by the process that is killed. */
  BENCH_REPLICAS_TERMINALS: count(10),
  /** How long each terminal is waited for after the kill before it is counted as not back. */
  BENCH_REPLICAS_BACK_WAIT_SECONDS: seconds(30),
  /** SSH logins against the survivor: one every this many ms, from this long before the kill to this long after. */
  BENCH_REPLICAS_SSH_INTERVAL_MS: count(250),
  BENCH_REPLICAS_SSH_BEFORE_SECONDS: seconds(3),
  BENCH_REPLICAS_SSH_AFTER_SECONDS: seconds(10),
  /** Keystrokes per terminal in the direct / forwarded echo comparison (sent in turns). */
  BENCH_REPLICAS_ECHO_SAMPLES: count(200),
  /** Opens of a running workspace, and of a stopped one, whose database round trips are counted. */
  BENCH_REPLICAS_OPEN_RUNS: count(3),
  /** Quiet time (no call) whose round trips give the process's own background rate, subtracted from each call. */
  BENCH_REPLICAS_QUIET_SECONDS: seconds(10),
});

export type ReplicasBenchConfig = ReturnType<typeof replicasBenchConfig>;

export function replicasBenchConfig(env: Record<string, string | undefined> = process.env) {
  const e = ReplicasBenchEnv.parse(env);
  return {
    phases: new Set<Phase>(e.BENCH_REPLICAS_PHASES),
    terminals: e.BENCH_REPLICAS_TERMINALS,
    backWaitSeconds: e.BENCH_REPLICAS_BACK_WAIT_SECONDS,
    sshIntervalMs: e.BENCH_REPLICAS_SSH_INTERVAL_MS,
    sshBeforeSeconds: e.BENCH_REPLICAS_SSH_BEFORE_SECONDS,
    sshAfterSeconds: e.BENCH_REPLICAS_SSH_AFTER_SECONDS,
    echoSamples: e.BENCH_REPLICAS_ECHO_SAMPLES,
    openRuns: e.BENCH_REPLICAS_OPEN_RUNS,
    quietSeconds: e.BENCH_REPLICAS_QUIET_SECONDS,
    /** The start line's cap and the users asking through both processes (the start-line-replicas test's six). */
    cap: 2,
    lineUsers: ["ann", "ben", "cat", "dan", "eve", "fay"] as const,
  };
}
