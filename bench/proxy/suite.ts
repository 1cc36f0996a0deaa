import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import { attempter } from "../lib/attempt";
import { benchEngine } from "../lib/engine";
import { progress } from "../lib/progress";
import { discoverAssets, type Asset } from "./assets";
import { measureAuthCost } from "./auth-cost";
import { startChp } from "./chp";
import { startCodePortal } from "./code-portal";
import { proxyConfig } from "./config";
import { runMatrix } from "./matrix";
import { renderReport } from "./report";
import { STACK_LABEL, STACKS, type ProxyResults, type Stack, type StackTarget } from "./results";
import { runSoak } from "./soak";
import { stackTargets, urlOf } from "./stack-targets";

/**
 * Issue #5: code-server's static assets through the portal's proxy, against the same requests sent straight to
 * the container and through configurable-http-proxy, then a soak through the portal that watches its memory
 * and sockets; and the app host's per-request sign-in check against the one the old path proxy made. Returns
 * whether every figure was taken; goals are reported, never enforced.
 */
export async function runProxySuite(): Promise<boolean> {
  const cfg = proxyConfig;
  await benchEngine();

  const results: ProxyResults = { cellSeconds: cfg.cellSeconds, cells: [], errors: [] };
  const attempt = attempter(results.errors);

  progress("starting the portal, then the workspace with VS Code (full image)");
  const portal = await startCodePortal();
  progress(`VS Code at ${portal.codeOrigin} (container ${portal.containerIp}); portal pid ${portal.pid}`);
  const { version, small, medium, large } = await discoverAssets(portal.directUrl, { cookie: portal.codeServerCookie });
  results.assets = { small, large };
  progress(`assets: ${small.path} (${small.bytes} B), ${large.path} (${large.bytes} B)`);
  const chp = await startChp(portal.directUrl.replace(/\/$/, ""));
  const targets = stackTargets(portal, chp);
  await sameBodies(targets, [small, large]);
  await attempt("VS Code's static files from the image", () => servedFromImage(targets.portal, large));

  // In this process, before any load: the two checks compete for nothing but each other.
  await attempt("sign-in check per request", async () => {
    progress(`sign-in check per request: ${cfg.authCalls} calls of each, in-process`);
    results.authCost = await measureAuthCost({
      calls: cfg.authCalls,
      portalUrl: portal.url,
      secret: portal.secret,
      appHost: portal.codeHost,
      portalCookie: portal.cookie,
    });
  });

  if (cfg.connections[0] !== 1) progress("warning: BENCH_PROXY_CONNECTIONS does not start with 1; added latency needs it");
  progress(`throughput and latency: ${cfg.cellSeconds} s per cell, connections ${cfg.connections.join(", ")}, ${cfg.rounds} round(s)`);
  const loadBefore = os.loadavg()[0]!;
  results.cells = await runMatrix(targets, [small, large], {
    connections: cfg.connections,
    cellSeconds: cfg.cellSeconds,
    warmupSeconds: cfg.warmupSeconds,
    rounds: cfg.rounds,
  }, attempt);
  results.load = { before: loadBefore, after: os.loadavg()[0]!, cores: os.availableParallelism() };
  // CHP has had its turn; the soak measures the portal alone.
  await chp.stop();

  await attempt("soak", async () => {
    progress(`soak: ${cfg.soakSeconds} s, ${cfg.soakConnections} connections at ${cfg.soakRate} req/s`);
    results.soak = await runSoak(portal, small, medium, version, {
      seconds: cfg.soakSeconds,
      connections: cfg.soakConnections,
      rate: cfg.soakRate,
      sampleSeconds: cfg.soakSampleSeconds,
      sockets: cfg.soakSockets,
    });
  });

  console.log(renderReport(results));
  if (results.errors.length) {
    // The portal's own log usually says why a figure is missing; keep it past the cleanup.
    const file = path.join(os.tmpdir(), `bench-proxy-portal-${process.pid}.log`);
    fs.writeFileSync(file, portal.process.logs());
    console.log(`portal log: ${file}`);
  }
  return results.errors.length === 0;
}

/**
 * Every stack must hand back the very file the container serves, or its figures measure something else; and the
 * portal proxy row must really go into the workspace, not come from the portal's copy of the image.
 */
async function sameBodies(targets: Record<Stack, StackTarget>, assets: Asset[]): Promise<void> {
  for (const asset of assets) {
    for (const stack of STACKS) {
      const { status, bytes, servedFrom } = await get(targets[stack], asset);
      if (status !== 200 || bytes !== asset.bytes) {
        throw new Error(`${STACK_LABEL[stack]} answered ${status} with ${bytes} bytes for ${urlOf(targets[stack], asset)} (expected 200, ${asset.bytes})`);
      }
      if (stack === "proxied" && servedFrom !== undefined) {
        throw new Error(`${STACK_LABEL[stack]}: ${urlOf(targets[stack], asset)} came from the portal's copy (${servedFrom}), not through the proxy`);
      }
    }
  }
}

/** The portal copies VS Code's static files out of the image in the background after it starts; waits for that. */
async function servedFromImage(target: StackTarget, asset: Asset): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await get(target, asset)).servedFrom === "workspace-image") return;
    if (Date.now() > deadline) throw new Error("still proxied into the workspace after 2 minutes; the portal row measures the proxy");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** undici's request, not fetch: it sends the Host header given (the app's host) to the address connected to. */
async function get(target: StackTarget, asset: Asset): Promise<{ status: number; bytes: number; servedFrom?: string }> {
  const response = await request(urlOf(target, asset), { headers: { ...target.headers, "accept-encoding": "identity" } });
  const bytes = (await response.body.arrayBuffer()).byteLength;
  const servedFrom = response.headers["x-served-from"];
  return { status: response.statusCode, bytes, ...(typeof servedFrom === "string" ? { servedFrom } : {}) };
}
