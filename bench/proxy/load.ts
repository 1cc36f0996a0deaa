import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

export interface LoadOptions {
  /** Where to connect; a `host` in `headers` names the site instead of the URL's (app hosts on loopback). */
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  /** Successful responses per second over the measured time. */
  rps: number;
  /** Milliseconds from request written to response complete, as wrk's histogram has them (microsecond steps). */
  p50: number;
  p99: number;
  responses: number;
  /** Error statuses plus connection errors and timeouts: a proxy that sheds load must not look fast. */
  failures: number;
  /**
   * Megabytes (10^6) per second of response read, headers included, counting responses still under way when the
   * time ran out: with 64 clients each reading 19 MB, completed responses come in waves, and only the bytes say
   * how fast the data flowed.
   */
  mbPerSecond: number;
  bytes: number;
}

// wrk's own summary, printed once at the end: nothing runs in Lua per request, so wrk stays as cheap as it is.
const SUMMARY_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-SUMMARY {"requests":%d,"bytes":%d,"duration":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

const summarySchema = z.object({
  requests: z.number(),
  bytes: z.number(),
  duration: z.number().positive(),
  connect: z.number(),
  read: z.number(),
  write: z.number(),
  status: z.number(),
  timeout: z.number(),
  p50: z.number(),
  p99: z.number(),
});

let scriptFile: string | undefined;
function summaryScript(): string {
  if (!scriptFile) {
    scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-wrk-")), "summary.lua");
    fs.writeFileSync(scriptFile, SUMMARY_SCRIPT);
  }
  return scriptFile;
}

/**
 * `connections` keep-alive clients (wrk, one thread, one request in flight each) hammering one URL for `seconds`.
 * wrk rather than a Node load generator: on two cores the client's own CPU is taken from the proxies it measures,
 * and a client in C takes a fraction of what one in JavaScript does, so the figures say more about the proxies.
 * Status errors are wrk's count of answers that are neither 2xx nor 3xx; every asset is checked to answer 200
 * before it is measured.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ["-H", `${wrkName(name)}: ${value}`]);
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "60s", "-s", summaryScript(), ...headers, options.url];
  return new Promise((resolve, reject) => {
    execFile("wrk", args, { timeout: (options.seconds + 30) * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}${stderr ? ` (${stderr.trim()})` : ""}`));
      const line = stdout.split("\n").find((l) => l.startsWith("WRK-SUMMARY "));
      if (!line) return reject(new Error(`wrk printed no summary: ${stdout.trim()}`));
      const s = summarySchema.parse(JSON.parse(line.slice("WRK-SUMMARY ".length)));
      const seconds = s.duration / 1e6;
      const failures = s.status + s.connect + s.read + s.write + s.timeout;
      const responses = s.requests - s.status;
      resolve({
        rps: responses / seconds,
        p50: s.p50 / 1000,
        p99: s.p99 / 1000,
        responses,
        failures,
        mbPerSecond: s.bytes / 1e6 / seconds,
        bytes: s.bytes,
      });
    });
  });
}

/** wrk adds its own Host header unless the table has one under exactly this spelling. */
function wrkName(name: string): string {
  return name.toLowerCase() === "host" ? "Host" : name;
}
