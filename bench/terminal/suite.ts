import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { DOCKER_SOCKET } from "../lib/fixtures";
import { attempter } from "../lib/attempt";
import type { BenchTerminal, StackKind, TerminalTarget } from "../lib/clients/bench-terminal";
import { openTerminal } from "../lib/clients/open-terminal";
import { benchConfig } from "../lib/config";
import { execCollect } from "../lib/container-exec";
import { startFlood } from "../lib/flood/flood";
import { benchEngine } from "../lib/engine";
import { progress } from "../lib/progress";
import { startBenchPortal, type BenchPortal } from "../lib/portal";
import { startWetty } from "../lib/wetty-server";
import { rssMiB, watchRss } from "../lib/rss";
import { sleep } from "../lib/time";
import { measureEcho, medianRound, summarizeEcho } from "./echo-latency";
import { measureIdleTerminals } from "./idle-terminals";
import { renderReport } from "./report";
import { STACK_LABEL, STACKS, type TerminalResults } from "./results";
import { measureStartup } from "./startup";
import { summarizeThroughput, throughputRun, type ThroughputRun } from "./throughput";

/**
 * Issue #4: the portal's web terminal against WeTTY (same xterm.js + socket.io stack, node-pty + docker CLI)
 * and against the bare Docker exec stream it is built on, all into the one container the portal created, then
 * the portal's Open Workspace times. Returns whether every figure was taken; goals are reported, never enforced.
 */
export async function runTerminalSuite(): Promise<boolean> {
  const cfg = benchConfig;
  const size = { cols: cfg.cols, rows: cfg.rows };
  const docker = await benchEngine();

  const results: TerminalResults = {
    throughputMb: cfg.throughputMb,
    throughput: {},
    echoAlone: {},
    echoAloneRuns: {},
    echoFlood: {},
    echoFloodOnset: {},
    floodSettleSeconds: cfg.floodSettleSeconds,
    echoAfterPause: Object.fromEntries(cfg.floodPauses.map((p) => [p, {}])),
    memory: {},
    floodRate: {},
    floodSessions: cfg.floodSessions,
    startupRuns: cfg.startupRuns,
    errors: [],
  };
  let portal: BenchPortal | undefined;
  // A figure lost because the portal process vanished says so, and the next phase gets a portal again.
  const attempt = attempter(results.errors, async () =>
    portal && (await portal.reviveIfGone().catch(() => false)) ? " (the portal process had died; restarted it)" : "",
  );

  const loadBefore = os.loadavg()[0]!;
  progress("starting the portal (full workspace image)");
  portal = await startBenchPortal();
  const cookie = await portal.cookieFor({ sub: `bench-main-${randomBytes(3).toString("hex")}`, username: "bench" });
  const portalTarget: TerminalTarget = { kind: "portal", url: portal.url, cookie };
  // The portal creates the workspace; WeTTY and the bare API then go into that very container.
  await (await openTerminal(portalTarget, size, 180_000)).close();
  const containerId = await portal.containerOf("bench");
  progress(`workspace ${containerId.slice(0, 12)} running; starting WeTTY`);
  const wetty = await startWetty(containerId);
  const targets: Record<StackKind, TerminalTarget> = {
    portal: portalTarget,
    wetty: { kind: "wetty", url: wetty.url },
    docker: { kind: "docker", engine: { socketPath: DOCKER_SOCKET }, containerId },
  };

  // Throughput: rounds interleave the stacks, so a slow moment of the machine does not fall on one stack only.
  // A stack whose run failed gets a fresh terminal in the next round rather than its stuck one.
  const terms: Partial<Record<StackKind, BenchTerminal>> = {};
  const runs: Record<StackKind, ThroughputRun[]> = { portal: [], wetty: [], docker: [] };
  // Memory: the portal's process before any stream (its terminals open and idle), and each server's peak while
  // streaming; WeTTY's counts its whole node process.
  await sleep(2000);
  results.memory.portalIdle = rssMiB(portal.process.pid());
  const pids: Partial<Record<StackKind, number | undefined>> = { portal: portal.process.pid(), wetty: wetty.pid };
  const peaks: Partial<Record<StackKind, number>> = {};
  for (let round = 1; round <= cfg.throughputRuns; round++) {
    for (const stack of STACKS) {
      await attempt(`throughput ${STACK_LABEL[stack]} run ${round}`, async () => {
        const term = (terms[stack] ??= await openTerminal(targets[stack], size));
        const rss = watchRss(pids[stack]);
        try {
          const run = await throughputRun(term, cfg.throughputMb).finally(() => {
            const peak = rss.stop();
            if (Number.isFinite(peak)) peaks[stack] = Math.max(peaks[stack] ?? 0, peak);
          });
          runs[stack].push(run);
          progress(`throughput ${STACK_LABEL[stack]} run ${round}: ${(run.bytes / 1e6 / run.seconds).toFixed(1)} MB/s (${(run.bytes / 1e6).toFixed(0)} MB in ${run.seconds.toFixed(2)} s)`);
        } catch (error) {
          delete terms[stack];
          void term.close().catch(() => undefined);
          throw error;
        }
      });
    }
  }
  for (const stack of STACKS) if (runs[stack].length) results.throughput[stack] = summarizeThroughput(runs[stack]);
  results.memory.portalPeak = peaks.portal;
  results.memory.wettyPeak = peaks.wetty;
  await Promise.allSettled(Object.values(terms).map((t) => t.close()));

  // Rounds interleave the stacks, as throughput's do.
  for (let round = 1; round <= cfg.echoAloneRounds; round++) {
    for (const stack of STACKS) {
      await attempt(`echo alone ${STACK_LABEL[stack]} round ${round}`, async () => {
        const term = await openTerminal(targets[stack], size);
        try {
          const echo = summarizeEcho(await measureEcho(term, cfg.echoSamples, cfg.echoPhaseSeconds));
          (results.echoAloneRuns[stack] ??= []).push(echo);
          progress(`echo alone ${STACK_LABEL[stack]} round ${round}: p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms`);
        } finally {
          await term.close();
        }
      });
    }
  }
  for (const stack of STACKS) {
    const median = medianRound(results.echoAloneRuns[stack] ?? []);
    if (median) results.echoAlone[stack] = median;
  }

  for (const stack of STACKS) {
    await attempt(`echo under flood ${STACK_LABEL[stack]}`, async () => {
      const term = await openTerminal(targets[stack], size);
      try {
        progress(`starting ${cfg.floodSessions - 1} flooding ${STACK_LABEL[stack]} sessions`);
        const flood = await startFlood(targets[stack], cfg.floodSessions - 1, size, "yes");
        try {
          // The floods run a while before anybody types, as a colleague's job would.
          await sleep(cfg.floodSettleSeconds * 1000);
          const typed = await measureEcho(term, cfg.echoSamples, cfg.echoPhaseSeconds);
          results.echoFlood[stack] = summarizeEcho(typed);
          results.echoFloodOnset[stack] = summarizeEcho(typed, 0, cfg.floodSettleSeconds * 1000);
          for (const pause of cfg.floodPauses) {
            progress(`${STACK_LABEL[stack]}: the typist pauses ${pause} s, then types again`);
            await sleep(pause * 1000);
            results.echoAfterPause[pause]![stack] = summarizeEcho(await measureEcho(term, cfg.echoSamples, cfg.afterPauseSeconds));
          }
        } finally {
          const delivered = await flood.stop();
          results.floodRate[stack] = delivered.bytes / 1e6 / delivered.seconds;
        }
        const echo = results.echoFlood[stack]!;
        const onset = results.echoFloodOnset[stack]!;
        progress(`echo flooding ${STACK_LABEL[stack]}: p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms, max ${echo.max.toFixed(0)} ms (${echo.samples} samples from the first; flood ${results.floodRate[stack]!.toFixed(1)} MB/s; first ${cfg.floodSettleSeconds} s: p99 ${onset.p99.toFixed(2)} ms)`);
      } finally {
        await term.close();
        await reapFloods(docker, containerId, STACK_LABEL[stack]);
      }
    });
  }
  await wetty.stop();

  await attempt("idle terminals", async () => {
    progress(`opening ${cfg.idleTerminals} idle terminals on the portal`);
    results.idleTerminals = await measureIdleTerminals(portal, cfg.idleTerminals, size);
  });

  await attempt("open workspace times", async () => {
    progress(`Open Workspace -> prompt: ${cfg.startupRuns} new users, cold / hot / warm each`);
    results.startup = await measureStartup(portal, docker, cfg.startupRuns, size);
  });

  console.log(renderReport(results));
  // Every stack shares this machine's CPUs with whatever else runs on it; a busy machine moves all figures.
  console.log(`load average (1 min) at start ${loadBefore.toFixed(2)}, at end ${os.loadavg()[0]!.toFixed(2)}, on ${os.cpus().length} CPUs`);
  if (results.errors.length) {
    // The portal's own log usually says why a figure is missing; keep it past the cleanup.
    const file = path.join(os.tmpdir(), `bench-terminal-portal-${process.pid}.log`);
    fs.writeFileSync(file, portal.process.logs());
    console.log(`portal log: ${file}`);
  }
  return results.errors.length === 0;
}

/** The floods were interrupted and their shells ended; if any `yes` survived, say so and stop it here. */
async function reapFloods(docker: Docker, containerId: string, stack: string): Promise<void> {
  const left = (await execCollect(docker, containerId, ["sh", "-c", "pgrep -x yes | wc -l"])).trim();
  if (left !== "0") {
    progress(`warning: ${left} flood process(es) outlived their ${stack} sessions; killing them`);
    await execCollect(docker, containerId, ["pkill", "-KILL", "-x", "yes"]);
  }
}
