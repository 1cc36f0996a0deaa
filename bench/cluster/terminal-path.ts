import { randomBytes } from "node:crypto";
import type { BenchTerminal, TerminalSize, TerminalTarget } from "../lib/clients/bench-terminal";
import { openTerminal } from "../lib/clients/open-terminal";
import { DOCKER_SOCKET, nodeNamed, type ClusterInfo } from "../lib/fixtures";
import type { Attempt } from "../lib/attempt";
import { progress } from "../lib/progress";
import { measureEcho, summarizeEcho } from "../terminal/echo-latency";
import { summarizeThroughput, throughputRun, type ThroughputRun } from "../terminal/throughput";
import type { TerminalPathResult } from "./results";
import { STACK_LABEL, type Stack, type StackKind } from "./stacks";

export interface TerminalPathOptions {
  throughputMb: number;
  throughputRuns: number;
  echoSamples: number;
  echoSeconds: number;
  echoRounds: number;
  size: TerminalSize;
}

/**
 * The exec stream a terminal rides on, with nothing of the portal in front (the terminal suite's bare-API stack):
 * into a workspace on a worker through that worker's engine API over mutual TLS, against one on this host through
 * the local socket. The same measurements as the terminal suite (bench/terminal: throughput of base64'd urandom,
 * keystroke echo), the stacks taking turns within each round.
 */
export async function measureTerminalPath(stacks: Stack[], info: ClusterInfo, options: TerminalPathOptions, attempt: Attempt): Promise<TerminalPathResult> {
  const result: TerminalPathResult = { throughputMb: options.throughputMb, throughput: {}, echoRounds: {} };
  const targets: Partial<Record<StackKind, TerminalTarget>> = {};
  const user = { sub: `bench-tty-${randomBytes(3).toString("hex")}`, username: "benchtty" };
  for (const stack of stacks) {
    const status = await stack.manager.ensureRunning(user);
    if (!status.containerId) throw new Error(`${STACK_LABEL[stack.kind]}: the running workspace has no container id`);
    if (stack.kind === "host") {
      targets.host = { kind: "docker", engine: { socketPath: DOCKER_SOCKET }, containerId: status.containerId };
    } else {
      const node = nodeNamed(info, status.node ?? "");
      result.node = node.name;
      targets.swarm = { kind: "docker", engine: { host: node.address, port: node.port, tls: info.tls }, containerId: status.containerId };
    }
  }
  const kinds = stacks.map((s) => s.kind).filter((k) => targets[k]);
  const runs: Partial<Record<StackKind, ThroughputRun[]>> = {};
  try {
    for (let round = 1; round <= options.throughputRuns; round++) {
      for (const kind of round % 2 ? kinds : [...kinds].reverse()) {
        await attempt(`throughput ${STACK_LABEL[kind]} run ${round}`, async () => {
          const term = await openTerminal(targets[kind]!, options.size);
          try {
            const run = await throughputRun(term, options.throughputMb);
            // base64 of N MiB is 4/3 of it with line feeds: far less means the command failed, not a slow path.
            if (run.bytes < options.throughputMb * 1024 * 1024) throw new Error(`only ${run.bytes} bytes arrived: the command failed`);
            (runs[kind] ??= []).push(run);
            progress(`throughput ${STACK_LABEL[kind]} run ${round}: ${(run.bytes / 1e6 / run.seconds).toFixed(1)} MB/s`);
          } finally {
            await term.close();
          }
        });
      }
    }
    for (const kind of kinds) if (runs[kind]?.length) result.throughput[kind] = summarizeThroughput(runs[kind]!);
    for (let round = 1; round <= options.echoRounds; round++) {
      for (const kind of round % 2 ? kinds : [...kinds].reverse()) {
        await attempt(`echo ${STACK_LABEL[kind]} round ${round}`, async () => {
          const term: BenchTerminal = await openTerminal(targets[kind]!, options.size);
          try {
            const echo = summarizeEcho(await measureEcho(term, options.echoSamples, options.echoSeconds));
            (result.echoRounds[kind] ??= []).push(echo);
            progress(`echo ${STACK_LABEL[kind]} round ${round}: p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms (${echo.samples} keys)`);
          } finally {
            await term.close();
          }
        });
      }
    }
  } finally {
    for (const stack of stacks) await stack.manager.remove(user, { deleteHome: true }).catch(() => undefined);
  }
  return result;
}
