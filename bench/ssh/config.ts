/**
 * Knobs of the ssh suite, from the environment like bench/lib/config.ts (whose parser is private to it), so a
 * developer or CI can shrink a run without editing code.
 */
function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** A size as `head -c` reads it (K, M, G are powers of 1024), kept as text for the command and as a byte count. */
function headSize(name: string, fallback: string): { arg: string; bytes: number } {
  const arg = process.env[name] || fallback;
  const match = /^(\d+)([KMG]?)$/.exec(arg);
  if (!match || Number(match[1]) === 0) throw new Error(`${name} must be a size like 1G, 256M or 1000000, got "${arg}"`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2] as "" | "K" | "M" | "G"];
  return { arg, bytes: Number(match[1]) * unit };
}

export const sshConfig = {
  /** Bytes of /dev/zero per throughput run; `head -c` syntax. */
  throughput: headSize("BENCH_SSH_SIZE", "1G"),
  throughputRuns: positiveInteger("BENCH_SSH_THROUGHPUT_RUNS", 3),
  connectRuns: positiveInteger("BENCH_SSH_CONNECT_RUNS", 20),
  /** The same key exchange on both sides, so the connect times compare the servers rather than the algorithms. */
  kex: process.env.BENCH_SSH_KEX || "curve25519-sha256",
  /** Unset: each side negotiates what the client prefers (what users get). Set: forced on both, for experiments. */
  cipher: process.env.BENCH_SSH_CIPHER || undefined,
};
