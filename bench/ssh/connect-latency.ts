import { median, percentile } from "../lib/stats";
import { runSsh, stderrTail } from "./run-ssh";
import { sshArgs, type SshTarget } from "./target";

export interface ConnectResult {
  /** Milliseconds from starting `ssh … true` to its exit: TCP, key exchange, key auth, session, exec, close. */
  p50: number;
  p90: number;
  samples: number[];
}

/** One fresh connection (no multiplexing) that logs in by key, runs `true` and leaves; its wall time in ms. */
export async function connectOnce(target: SshTarget, kex: string, cipher?: string): Promise<number> {
  const run = await runSsh(sshArgs(target, "true", { kex, cipher }), 30_000);
  if (run.code !== 0) throw new Error(`${target.label}: ssh … true exited ${run.code ?? "by timeout"}: ${stderrTail(run)}`);
  return run.endedAt - run.startedAt;
}

export function summarizeConnect(samples: number[]): ConnectResult {
  return { p50: median(samples), p90: percentile(samples, 90), samples };
}
