import autocannon from "autocannon";
import { percentile } from "../lib/stats";

export interface LoadOptions {
  /** Where to connect; a `host` in `headers` replaces the one autocannon derives from it (app hosts on loopback). */
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  maxRequests: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second over the measured time. */
  rps: number;
  /** Milliseconds from request written to response complete, over the 2xx responses. */
  p50: number;
  p99: number;
  responses: number;
  /** Non-2xx answers plus connection errors and timeouts: a proxy that sheds load must not look fast. */
  failures: number;
  /** Megabytes (10^6) per second of response, headers included, as autocannon counts them. */
  mbPerSecond: number;
}

/**
 * `connections` keep-alive clients (autocannon, one request in flight each) hammering one URL for `seconds`, or
 * until `maxRequests` answers, whichever comes first. autocannon's own histogram has 1 ms resolution, too coarse
 * for a proxy's fraction of a millisecond, so every response time is kept here as autocannon measured it.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let responses = 0;
  let failures = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers ?? {},
        connections: options.connections,
        pipelining: 1,
        duration: options.seconds,
        timeout: 10,
      },
      (error) => {
        if (error) return reject(error);
        const seconds = (performance.now() - start) / 1000;
        resolve({
          rps: responses / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          responses,
          failures,
          mbPerSecond: bytes / 1e6 / seconds,
        });
      },
    );
    instance.on("response", (_client, statusCode, resBytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        responses++;
        bytes += resBytes;
        latencies.push(responseTime);
      } else {
        failures++;
      }
      if (responses + failures >= options.maxRequests) instance.stop();
    });
    instance.on("reqError", () => failures++);
  });
}
