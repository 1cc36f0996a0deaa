import { median } from "../lib/stats";
import { sleep } from "../lib/time";
import { runSsh, stderrTail } from "./run-ssh";
import { sshArgs, type SshTarget } from "./target";

export interface ThroughputRun {
  bytes: number;
  seconds: number;
  /** CPU seconds the server side spent on the run (NaN if it could not be read). */
  serverCpu: number;
}

// sshd's sessions count once reaped, and the gateway's clean-up exec runs after the close: let both settle.
const SETTLE_MS = 500;

export interface ThroughputResult {
  /** Megabytes (10^6 bytes) per second reaching the client, median of the runs. */
  mbPerSecond: number;
  /** Server CPU seconds per 10^9 bytes, median of the runs: what the rate costs, whatever else the machine does. */
  cpuPerGb: number;
  runs: ThroughputRun[];
}

/**
 * One run of `ssh … 'head -c SIZE /dev/zero'`, counted as it reaches the client. Timed from the first byte to
 * the end of the output, so the connect (measured on its own) does not dilute the transfer rate; zeros are the
 * cheapest possible source, so the figure is the SSH path's, not the command's.
 */
export async function throughputRun(target: SshTarget, size: { arg: string; bytes: number }, cipher?: string): Promise<ThroughputRun> {
  // Generous: even 5 MB/s finishes; a path slower than that is reported as failed rather than waited for.
  const timeoutMs = Math.max(60_000, (size.bytes / 5e6) * 1000);
  const cpuBefore = target.serverCpu();
  const run = await runSsh(sshArgs(target, `head -c ${size.arg} /dev/zero`, { cipher }), timeoutMs);
  await sleep(SETTLE_MS);
  const serverCpu = target.serverCpu() - cpuBefore;
  if (run.code !== 0 || run.stdoutBytes !== size.bytes || run.firstByteAt === undefined) {
    throw new Error(`${target.label}: exit ${run.code ?? "timeout"}, ${run.stdoutBytes} of ${size.bytes} bytes: ${stderrTail(run)}`);
  }
  return { bytes: run.stdoutBytes, seconds: (run.endedAt - run.firstByteAt) / 1000, serverCpu };
}

export function summarizeThroughput(runs: ThroughputRun[]): ThroughputResult {
  return {
    mbPerSecond: median(runs.map((r) => r.bytes / 1e6 / r.seconds)),
    cpuPerGb: median(runs.map((r) => r.serverCpu / (r.bytes / 1e9))),
    runs,
  };
}
