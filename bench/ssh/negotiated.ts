import { runSsh, stderrTail } from "./run-ssh";
import { sshArgs, type SshTarget } from "./target";

/** What client and server agreed on, as `ssh -v` reports it. */
export interface Negotiated {
  server: string;
  kex: string;
  hostKey: string;
  /** Server-to-client direction: the one the throughput figure travels. */
  cipher: string;
  mac: string;
}

/**
 * A verbose `ssh … true` with the benchmark's options, read for the agreed algorithms, so the report shows that
 * both servers were measured on the same key exchange (and which cipher each ended up with). It also serves as
 * the warm-up connection.
 */
export async function negotiated(target: SshTarget, kex: string, cipher?: string): Promise<Negotiated> {
  const run = await runSsh(sshArgs(target, "true", { verbose: true, kex, cipher }), 180_000);
  if (run.code !== 0) throw new Error(`${target.label}: ssh -v … true exited ${run.code ?? "by timeout"}: ${stderrTail(run)}`);
  const find = (pattern: RegExp) => pattern.exec(run.stderr)?.[1] ?? "?";
  return {
    server: find(/remote software version (\S+)/),
    kex: find(/kex: algorithm: (\S+)/),
    hostKey: find(/kex: host key algorithm: (\S+)/),
    cipher: find(/kex: server->client cipher: (\S+)/),
    mac: find(/kex: server->client cipher: \S+ MAC: (\S+)/),
  };
}
