import { z } from "zod";

/**
 * Knobs of the cluster suite, from the environment (checked with zod, as the portal's own settings are) so CI and a
 * developer can shrink a run without editing code. The defaults keep the whole suite near 10 minutes.
 */
const unset = (v: unknown) => (v === "" ? undefined : v);
const count = (fallback: number) => z.preprocess(unset, z.coerce.number().int().positive().default(fallback));
const seconds = (fallback: number) => z.preprocess(unset, z.coerce.number().positive().default(fallback));

export const PHASES = ["open", "slot", "terminal", "list", "partition", "node-loss", "vscode"] as const;
export type Phase = (typeof PHASES)[number];

const ClusterBenchEnv = z.object({
  /** Which phases run, comma-separated (all by default). */
  BENCH_CLUSTER_PHASES: z.preprocess(
    unset,
    z
      .string()
      .default(PHASES.join(","))
      .transform((raw) => raw.split(",").map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.enum(PHASES)).min(1)),
  ),
  /** Users per backend for Open Workspace times: each gives one cold, one hot and one warm open. */
  BENCH_CLUSTER_OPEN_RUNS: count(5),
  /** Stops timed against the cap's queue, per backend. */
  BENCH_CLUSTER_SLOT_RUNS: count(3),
  /** Workspaces running on each backend while list and inspect are timed (the 20 users). */
  BENCH_CLUSTER_USERS: count(20),
  /** Timed calls of list and of inspect at that N, per backend. */
  BENCH_CLUSTER_LIST_CALLS: count(20),
  /** Megabytes of urandom base64'd per throughput run (as the terminal suite's BENCH_THROUGHPUT_MB). */
  BENCH_CLUSTER_THROUGHPUT_MB: count(30),
  BENCH_CLUSTER_THROUGHPUT_RUNS: count(3),
  /** Keystrokes per echo round, and a round's wall-clock cap. */
  BENCH_CLUSTER_ECHO_SAMPLES: count(300),
  BENCH_CLUSTER_ECHO_SECONDS: seconds(15),
  BENCH_CLUSTER_ECHO_ROUNDS: count(3),
  /** Workspaces started before a worker is killed (those Swarm placed on the victim are timed). */
  BENCH_CLUSTER_LOSS_WORKSPACES: count(4),
  /** How long a lost workspace is waited for before it is reported as not back. */
  BENCH_CLUSTER_LOSS_WAIT_SECONDS: seconds(45),
  /** The short heartbeat the second node loss runs at (the first runs at the cluster's own). */
  BENCH_CLUSTER_FAST_HEARTBEAT: z.preprocess(unset, z.string().regex(/^\d+(ms|s|m)$/).default("2s")),
  /** The partition of a worker from the manager, and how long the copies are watched after it heals. */
  BENCH_CLUSTER_PARTITION_SECONDS: seconds(30),
  BENCH_CLUSTER_AFTER_HEAL_SECONDS: seconds(15),
  /** The interval the copies of the partitioned workspace are counted at (a round that takes longer delays the next). */
  BENCH_CLUSTER_SAMPLE_MS: count(100),
});

export type ClusterBenchConfig = ReturnType<typeof clusterBenchConfig>;

export function clusterBenchConfig(env: Record<string, string | undefined> = process.env) {
  const e = ClusterBenchEnv.parse(env);
  return {
    phases: new Set<Phase>(e.BENCH_CLUSTER_PHASES),
    openRuns: e.BENCH_CLUSTER_OPEN_RUNS,
    slotRuns: e.BENCH_CLUSTER_SLOT_RUNS,
    users: e.BENCH_CLUSTER_USERS,
    listCalls: e.BENCH_CLUSTER_LIST_CALLS,
    throughputMb: e.BENCH_CLUSTER_THROUGHPUT_MB,
    throughputRuns: e.BENCH_CLUSTER_THROUGHPUT_RUNS,
    echoSamples: e.BENCH_CLUSTER_ECHO_SAMPLES,
    echoSeconds: e.BENCH_CLUSTER_ECHO_SECONDS,
    echoRounds: e.BENCH_CLUSTER_ECHO_ROUNDS,
    lossWorkspaces: e.BENCH_CLUSTER_LOSS_WORKSPACES,
    lossWaitSeconds: e.BENCH_CLUSTER_LOSS_WAIT_SECONDS,
    fastHeartbeat: e.BENCH_CLUSTER_FAST_HEARTBEAT,
    partitionSeconds: e.BENCH_CLUSTER_PARTITION_SECONDS,
    afterHealSeconds: e.BENCH_CLUSTER_AFTER_HEAL_SECONDS,
    sampleMs: e.BENCH_CLUSTER_SAMPLE_MS,
    cols: 120,
    rows: 40,
  };
}
