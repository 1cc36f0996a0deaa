import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SshClient } from "../lib/fixtures";
import { attempter } from "../lib/attempt";
import { onCleanup } from "../lib/cleanup";
import { startBenchPortal } from "../lib/portal";
import { benchEngine } from "../lib/engine";
import { progress } from "../lib/progress";
import { sleep } from "../lib/time";
import { sshConfig } from "./config";
import { connectOnce, summarizeConnect } from "./connect-latency";
import { cpuSeconds, portalPid } from "./cpu-time";
import { addGatewayKey } from "./gateway-user";
import { negotiated } from "./negotiated";
import { startReferenceSshd, type ReferenceSshd } from "./reference-sshd";
import { renderReport } from "./report";
import { TARGET_LABEL, type SshResults, type TargetKind } from "./results";
import { ssh2BindingLoads } from "./ssh2-binding";
import { TARGET_KINDS, type SshTarget } from "./target";
import { summarizeThroughput, throughputRun, type ThroughputRun } from "./throughput";

// After each connect the gateway still runs a clean-up exec in the workspace (session-channel.ts endProcesses);
// a pause keeps that work out of the next measured connection, whichever server it goes to.
const CONNECT_GAP_MS = 300;

/**
 * Issue #6: the SSH gateway (ssh2 in the portal process, docker exec over the Engine API) against Debian's
 * OpenSSH sshd doing the same job with the docker CLI, both into the one workspace container the portal made,
 * with the real OpenSSH client. Returns whether every figure was taken; goals are reported, never enforced.
 */
export async function runSshSuite(): Promise<boolean> {
  const cfg = sshConfig;
  await benchEngine();

  const results: SshResults = {
    sizeArg: cfg.throughput.arg,
    connectRuns: cfg.connectRuns,
    kex: cfg.kex,
    cipher: cfg.cipher,
    throughput: {},
    connect: {},
    negotiated: {},
    ssh2Binding: ssh2BindingLoads(),
    load: { start: os.loadavg()[0]!, end: Number.NaN },
    errors: [],
  };
  const attempt = attempter(results.errors);

  progress("starting the portal (full workspace image)");
  const portal = await startBenchPortal();
  const gatewayClient = new SshClient(portal.process.sshPort);
  onCleanup("ssh client keys", async () => gatewayClient.cleanup());
  const keyFile = gatewayClient.newKey("bench");
  const publicKey = gatewayClient.publicKey(keyFile);
  const user = { sub: `bench-ssh-${randomBytes(3).toString("hex")}`, username: "benchssh" };
  await addGatewayKey(portal.url, await portal.cookieFor(user), publicKey);
  const pid = portalPid();
  const targets: Partial<Record<TargetKind, SshTarget>> = {
    gateway: {
      kind: "gateway",
      label: TARGET_LABEL.gateway,
      client: gatewayClient,
      user: user.username,
      keyFile,
      serverCpu: () => (pid ? cpuSeconds(pid, "self") : Number.NaN),
    },
  };

  // The first login creates and starts the workspace: the cold start is done here, outside every measurement.
  progress("first gateway login (creates the workspace), reading the negotiated algorithms");
  await attempt(`warm-up ${TARGET_LABEL.gateway}`, async () => void (results.negotiated.gateway = await negotiated(targets.gateway!, cfg.kex, cfg.cipher)));
  let sshd: ReferenceSshd | undefined;
  await attempt(`start ${TARGET_LABEL.sshd}`, async () => {
    const containerId = await portal.containerOf(user.username);
    sshd = await startReferenceSshd(containerId, publicKey);
    const sshdClient = new SshClient(sshd.port);
    onCleanup("sshd client files", async () => sshdClient.cleanup());
    const sshdPid = sshd.pid;
    targets.sshd = { kind: "sshd", label: TARGET_LABEL.sshd, client: sshdClient, user: "root", keyFile, serverCpu: () => cpuSeconds(sshdPid, "children") };
    progress(`sshd on 127.0.0.1:${sshd.port}, sessions via ${sshd.docker} exec into ${containerId.slice(0, 12)}`);
    results.negotiated.sshd = await negotiated(targets.sshd, cfg.kex, cfg.cipher);
  });
  // Only servers that took the warm-up are measured; the other's figures stay "n/a".
  const live = TARGET_KINDS.filter((k) => targets[k] && results.negotiated[k]);
  for (const kind of live) progress(`${TARGET_LABEL[kind]}: ${JSON.stringify(results.negotiated[kind])}`);

  // Connect latency first, on a quiet machine. Rounds interleave the servers (alternating which goes first), so
  // a slow moment of the machine does not fall on one server only.
  progress(`connect + true: ${cfg.connectRuns} fresh connections per server, KexAlgorithms=${cfg.kex}`);
  const samples: Record<TargetKind, number[]> = { gateway: [], sshd: [] };
  const failedConnect = new Set<TargetKind>();
  for (let round = 0; round < cfg.connectRuns; round++) {
    const order = round % 2 ? [...live].reverse() : live;
    for (const kind of order) {
      if (failedConnect.has(kind)) continue; // one failure is reported; a broken server is not hammered
      const ok = await attempt(`connect ${TARGET_LABEL[kind]}`, async () => void samples[kind].push(await connectOnce(targets[kind]!, cfg.kex, cfg.cipher)));
      if (!ok) failedConnect.add(kind);
      await sleep(CONNECT_GAP_MS);
    }
  }
  for (const kind of live) {
    if (!samples[kind].length) continue;
    results.connect[kind] = summarizeConnect(samples[kind]);
    progress(`connect ${TARGET_LABEL[kind]}: median ${results.connect[kind]!.p50.toFixed(0)} ms, p90 ${results.connect[kind]!.p90.toFixed(0)} ms`);
  }

  progress(`throughput: ${cfg.throughputRuns} x head -c ${cfg.throughput.arg} /dev/zero per server`);
  const runs: Record<TargetKind, ThroughputRun[]> = { gateway: [], sshd: [] };
  const failedThroughput = new Set<TargetKind>();
  for (let round = 1; round <= cfg.throughputRuns; round++) {
    for (const kind of live) {
      if (failedThroughput.has(kind)) continue;
      const ok = await attempt(`throughput ${TARGET_LABEL[kind]}`, async () => {
        const run = await throughputRun(targets[kind]!, cfg.throughput, cfg.cipher);
        runs[kind].push(run);
        progress(`throughput ${TARGET_LABEL[kind]} run ${round}: ${(run.bytes / 1e6 / run.seconds).toFixed(1)} MB/s (${(run.bytes / 1e6).toFixed(0)} MB in ${run.seconds.toFixed(2)} s; server CPU ${run.serverCpu.toFixed(2)} s)`);
      });
      if (!ok) failedThroughput.add(kind);
    }
  }
  for (const kind of live) if (runs[kind].length) results.throughput[kind] = summarizeThroughput(runs[kind]);

  results.load.end = os.loadavg()[0]!;
  console.log(renderReport(results));
  if (results.errors.length) {
    // The portal's and sshd's own logs usually say why a figure is missing; keep them past the cleanup.
    const file = path.join(os.tmpdir(), `bench-ssh-${process.pid}.log`);
    fs.writeFileSync(file, `=== portal\n${portal.process.logs()}\n=== sshd\n${sshd?.logs() ?? "(not started)"}\n`);
    console.log(`portal and sshd logs: ${file}`);
  }
  return results.errors.length === 0;
}
