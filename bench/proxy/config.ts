import { positiveNumber } from "../lib/config";

/** Knobs of the proxy suite, from the environment so CI and a developer can shrink a run without editing code. */

function connectionList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${name} must list positive integers, got "${raw}"`);
  return values;
}

export const proxyConfig = {
  /** Seconds of load per cell (stack x asset x connections). */
  cellSeconds: positiveNumber("BENCH_PROXY_SECONDS", 10),
  /** Unmeasured seconds before each cell, so every stack starts with warm sockets and JIT-compiled paths. */
  warmupSeconds: positiveNumber("BENCH_PROXY_WARMUP_SECONDS", 2),
  /** Concurrent keep-alive clients; the first must be 1 (added latency is defined at one connection). */
  connections: connectionList("BENCH_PROXY_CONNECTIONS", [1, 64]),
  /** Passes over the whole matrix; each cell's figures are the median of its rounds, and the range is shown. */
  rounds: positiveNumber("BENCH_PROXY_ROUNDS", 3),
  soakSeconds: positiveNumber("BENCH_SOAK_SECONDS", 600),
  soakConnections: positiveNumber("BENCH_SOAK_CONNECTIONS", 16),
  /** Requests per second of the soak over all its connections: steady use, well below saturation. */
  soakRate: positiveNumber("BENCH_SOAK_RATE", 300),
  /** WebSockets opened through the proxy and closed again before each soak sample. */
  soakSockets: positiveNumber("BENCH_SOAK_SOCKETS", 4),
  /** Seconds between two samples of the portal's memory and sockets during the soak. */
  soakSampleSeconds: positiveNumber("BENCH_SOAK_SAMPLE_SECONDS", 20),
  /** Calls of each per-request sign-in check in the in-process comparison (auth-cost.ts). */
  authCalls: positiveNumber("BENCH_AUTH_CALLS", 2_000_000),
};
