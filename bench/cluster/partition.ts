import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { LABEL } from "../../lib/backend/labels";
import { leaseProbe } from "../../lib/workspace/lease";
import { run } from "../../lib/workspace/run";
import { nodeEngine, nodeNamed, workers, type ClusterInfo } from "../lib/fixtures";
import { onCleanup } from "../lib/cleanup";
import { progress } from "../lib/progress";
import { sleep, withTimeout } from "../lib/time";
import type { CopySample, PartitionResult } from "./results";
import type { Stack } from "./stacks";
import { clusterScript } from "./test-cluster";

/** A probe slower than this counts as unknown for its sample (a node under load, or cut off), never as ready. */
const PROBE_MS = 2000;
// How long the workspace is given, once the partition has healed and the watch ended, to answer again.
const READY_AFTER_MS = 30_000;

export interface PartitionOptions {
  partitionSeconds: number;
  afterHealSeconds: number;
  sampleMs: number;
}

/**
 * A worker cut off from the manager (cluster.sh partition) while it runs a workspace: every `sampleMs`, every
 * worker's engine is asked (from this host, which still reaches both) which containers of the workspace's service
 * run, and each is given the lease probe of lib/workspace/lease.ts: a copy is ready when its first process holds
 * the lease. Sampled from a moment before the cut until `afterHealSeconds` after it heals.
 */
export async function measurePartition(stack: Stack, info: ClusterInfo, options: PartitionOptions): Promise<PartitionResult> {
  const user = { sub: `bench-part-${randomBytes(3).toString("hex")}`, username: "benchpart" };
  try {
    const status = await stack.manager.ensureRunning(user);
    const node = nodeNamed(info, status.node ?? "");
    const engines = workers(info).map((w) => ({ name: w.name, docker: nodeEngine(info, w) }));
    const users = new Map<string, string>();
    const samples: { abs: number; running: number; ready: number; unknown: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const begun = performance.now();
        samples.push({ abs: begun, ...(await countCopies(engines.map((e) => e.docker), status.containerName, users)) });
        await sleep(Math.max(0, options.sampleMs - (performance.now() - begun)));
      }
    })();
    let cutAt = Number.NaN;
    try {
      await sleep(1000);
      progress(`partition: cutting ${node.name} off the manager for ${options.partitionSeconds} s, counting copies every ${options.sampleMs} ms`);
      const unregister = onCleanup(`heal ${node.name}`, () => clusterScript("heal", String(node.index)));
      await clusterScript("partition", String(node.index));
      cutAt = performance.now();
      try {
        await sleep(options.partitionSeconds * 1000);
      } finally {
        await clusterScript("heal", String(node.index));
        unregister();
      }
      await sleep(options.afterHealSeconds * 1000);
    } finally {
      sampling = false;
      await sampler;
    }
    const readyAfter = await readyWithin(stack, user, READY_AFTER_MS);
    const after = await stack.manager.status(user).catch((error: unknown) => ({ state: `unknown (${(error as Error).message})`, node: undefined, error: undefined }));
    const stateAfter = [after.state, after.node ? `on ${after.node}` : "", after.error ? `(${after.error})` : ""].filter(Boolean).join(" ");
    const at0 = Number.isFinite(cutAt) ? cutAt : samples[0]?.abs ?? 0;
    return {
      node: node.name,
      partitionSeconds: options.partitionSeconds,
      afterHealSeconds: options.afterHealSeconds,
      samples: samples.map(({ abs, ...s }): CopySample => ({ at: abs - at0, ...s })),
      readyAfter,
      stateAfter,
    };
  } finally {
    await stack.manager.remove(user, { deleteHome: true }).catch(() => undefined);
  }
}

/** Copies of the service running on these engines, and how many of them hold the workspace's lease. */
async function countCopies(engines: Docker[], service: string, users: Map<string, string>): Promise<{ running: number; ready: number; unknown: number }> {
  const perNode = await Promise.all(
    engines.map(async (docker) => {
      const out = { running: 0, ready: 0, unknown: 0 };
      let containers: Docker.ContainerInfo[];
      try {
        containers = await withTimeout(
          docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ["running"] } }),
          PROBE_MS,
          "list",
        );
      } catch {
        out.unknown += 1;
        return out;
      }
      out.running = containers.length;
      await Promise.all(
        containers.map(async (c) => {
          const lease = c.Labels[LABEL.lease];
          try {
            const code = await withTimeout(probe(docker, c.Id, lease ? leaseProbe(lease) : ["true"], users), PROBE_MS, "probe");
            if (code === 0) out.ready += 1;
          } catch {
            out.unknown += 1;
          }
        }),
      );
      return out;
    }),
  );
  return perNode.reduce((a, b) => ({ running: a.running + b.running, ready: a.ready + b.ready, unknown: a.unknown + b.unknown }));
}

/** Runs the probe in the container as its own user (looked up once per container) and gives its exit status. */
async function probe(docker: Docker, id: string, cmd: string[], users: Map<string, string>): Promise<number> {
  const container = docker.getContainer(id);
  let user = users.get(id);
  if (user === undefined) users.set(id, (user = (await container.inspect()).Config.User));
  const exec = await container.exec({ Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  stream.resume();
  await new Promise((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
  });
  return (await exec.inspect()).ExitCode ?? -1;
}

/** Whether a command runs in the user's workspace through the portal's service within `ms`. */
async function readyWithin(stack: Stack, user: { sub: string; username: string }, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await withTimeout(run(stack.manager, user, ["true"]), 10_000, "a command in the workspace").then(
      (r) => r.code === 0,
      () => false,
    );
    if (ok) return true;
    await sleep(500);
  }
  return false;
}
