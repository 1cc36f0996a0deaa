import { randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { progress } from "../lib/progress";
import { percentile } from "../lib/stats";
import { sleep } from "../lib/time";
import type { Asset } from "./assets";
import type { CodePortal } from "./code-portal";
import { sampleProcess, type ProcSample } from "./proc-stats";
import { uncopiedPath } from "./uncopied-path";
import { openWebSocket, type OpenWebSocket } from "./ws-client";

export interface SoakOptions {
  seconds: number;
  connections: number;
  /** Requests per second over all connections: steady use, not saturation. */
  rate: number;
  sampleSeconds: number;
  /** WebSockets opened (and closed again) through the proxy before each sample. */
  sockets: number;
}

/** Load seen between two samples. */
export interface SoakWindow {
  at: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

export interface SoakResult {
  options: SoakOptions;
  /** Seconds of the start counted as warm-up (pools fill, JIT, heap grows to its working size). */
  warmupSeconds: number;
  before: ProcSample;
  samples: ProcSample[];
  windows: SoakWindow[];
  /** After the load, once idle upstream sockets should have timed out (code-server's keep-alive is 5 s). */
  idle: ProcSample;
  ws: { opened: number; failed: number; firstError?: string };
  responses: number;
  failures: number;
}

/** One request in ten for the ~1 MB script: a workbench load is many small files and a few big bundles. */
const LARGE_EVERY = 10;

/**
 * Steady load through the portal's proxy for `seconds` (bounded by time and, through the rate, by count), with
 * WebSockets opened and closed through it on every tick. Each tick first closes its sockets, then samples the
 * portal's RSS, socket descriptors and upstream connections, so a sample sees only what should persist.
 */
export async function runSoak(portal: CodePortal, small: Asset, medium: Asset, version: string, options: SoakOptions): Promise<SoakResult> {
  // Through the proxy into the workspace (the spelling the portal's copy does not serve), whose connections and
  // sockets are what must stay flat. On the code host, as a browser: its Host and its app cookie.
  const requests = Array.from({ length: LARGE_EVERY }, (_, i) => ({
    method: "GET" as const,
    path: `/${uncopiedPath(i === LARGE_EVERY - 1 ? medium.path : small.path)}`,
  }));
  const onCodeHost = { host: portal.codeHost, cookie: portal.codeCookie };
  const sample = (at: number) => sampleProcess(portal.pid, portal.containerIp, at);
  const before = sample(0);

  let window: number[] = [];
  let windowFailures = 0;
  let responses = 0;
  let failures = 0;
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const load = new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: portal.connectUrl,
        headers: onCodeHost,
        requests,
        connections: options.connections,
        overallRate: options.rate,
        duration: options.seconds,
        timeout: 10,
      },
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        responses++;
        window.push(responseTime);
      } else {
        failures++;
        windowFailures++;
      }
    });
    instance.on("reqError", () => {
      failures++;
      windowFailures++;
    });
  });
  let loading = true;
  const loaded = load.finally(() => (loading = false));
  loaded.catch(() => undefined);

  const samples: ProcSample[] = [];
  const windows: SoakWindow[] = [];
  const ws = { opened: 0, failed: 0, firstError: undefined as string | undefined };
  const wsUrl = `${portal.connectUrl}${version}?reconnectionToken=${randomUUID()}&reconnection=false&skipWebSocketFrames=false`;
  let windowStart = 0;
  // Each tick takes ~3 s of WebSockets before its sample, so the sample lands on k * sampleSeconds; ticks that
  // would land after the load has ended are not taken (an idle portal would read as a drop).
  const every = Math.max(5, options.sampleSeconds);
  const ticks = Math.floor((options.seconds - 1) / every);
  for (let k = 1; k <= ticks && loading; k++) {
    await Promise.race([sleep(Math.max(0, (k * every - 3 - elapsed()) * 1000)), loaded.catch(() => undefined)]);
    if (!loading) break;
    const open: OpenWebSocket[] = [];
    for (let i = 0; i < options.sockets; i++) {
      const url = wsUrl.replace(/reconnectionToken=[^&]+/, `reconnectionToken=${randomUUID()}`);
      try {
        // The code host takes WebSockets only from its own pages.
        open.push(await openWebSocket(url, { ...onCodeHost, origin: portal.codeOrigin }));
        ws.opened++;
      } catch (error) {
        ws.failed++;
        ws.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
    await sleep(2_000);
    await Promise.all(open.map((socket) => socket.close()));
    await sleep(1_000);
    if (!loading) break;
    const at = elapsed();
    const s = sample(at);
    const w = {
      at,
      rps: window.length / (at - windowStart),
      p50: percentile(window, 50),
      p99: percentile(window, 99),
      failures: windowFailures,
    };
    samples.push(s);
    windows.push(w);
    progress(
      `soak ${at.toFixed(0)} s: RSS ${s.rssMb.toFixed(1)} MB, ${s.sockets} sockets (${s.closeWait} CLOSE_WAIT), ` +
        `${s.upstream} upstream; ${w.rps.toFixed(0)} req/s, p99 ${w.p99.toFixed(2)} ms, ${w.failures} failures`,
    );
    window = [];
    windowFailures = 0;
    windowStart = at;
  }
  await loaded;
  await sleep(7_000);
  return {
    options,
    warmupSeconds: Math.min(60, options.seconds * 0.2),
    before,
    samples,
    windows,
    idle: sample(elapsed()),
    ws,
    responses,
    failures,
  };
}
