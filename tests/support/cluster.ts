import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { z } from "zod";

/** The test cluster made by scripts/cluster/cluster.sh, as its cluster.json describes it. */
const REPO = path.resolve(import.meta.dirname, "../..");
export const CLUSTER_SCRIPT = path.join(REPO, "scripts/cluster/cluster.sh");
export const CLUSTER_PREFIX = process.env.CLUSTER_PREFIX ?? "scxc";
export const CLUSTER_ROOT = process.env.CLUSTER_ROOT ?? `/var/lib/${CLUSTER_PREFIX}`;

const ClusterNodeSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  role: z.enum(["manager", "worker"]),
  address: z.string(),
  port: z.number().int(),
  subnet: z.string(),
  socket: z.string(),
  cgroup: z.string(),
});

const ClusterSchema = z.object({
  prefix: z.string(),
  root: z.string(),
  portalAddress: z.string(),
  manager: z.string(),
  heartbeat: z.string(),
  /** Seconds a node cut off from every manager keeps its workspaces (scripts/cluster/node-watchdog.sh). */
  watchdog: z.object({ boundSeconds: z.number().int() }),
  nodes: z.array(ClusterNodeSchema).length(3),
  tls: z.object({ ca: z.string(), cert: z.string(), key: z.string() }),
  network: z.object({ name: z.string(), ranges: z.string() }),
  placement: z.object({ managerAvailability: z.string(), constraints: z.array(z.string()) }),
  homes: z.object({ path: z.string(), volume: z.string(), server: z.string(), pingTimeoutSeconds: z.number(), glusterCli: z.string() }),
  storage: z.object({ address: z.string(), ports: z.array(z.number().int()) }),
  registry: z.object({ address: z.string() }),
  images: z.object({ test: z.string(), workspace: z.string().nullable() }),
  ports: z.object({ engine: z.number().int(), swarm: z.number().int(), registry: z.number().int() }),
});

export type ClusterNode = z.infer<typeof ClusterNodeSchema>;
export type ClusterInfo = z.infer<typeof ClusterSchema>;

export function readCluster(): ClusterInfo {
  return ClusterSchema.parse(JSON.parse(fs.readFileSync(path.join(CLUSTER_ROOT, "cluster.json"), "utf8")));
}

export function workers(info: ClusterInfo): ClusterNode[] {
  return info.nodes.filter((n) => n.role === "worker");
}

export function nodeNamed(info: ClusterInfo, name: string): ClusterNode {
  const node = info.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name} in the cluster`);
  return node;
}

/** Runs cluster.sh with the given arguments; resolves with what it printed, rejects with it. */
export function clusterCommand(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [CLUSTER_SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cluster.sh ${args.join(" ")} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** A node's engine API over TCP with mutual TLS: with the portal's client certificate, or (to be refused) without. */
export function nodeEngine(info: ClusterInfo, node: ClusterNode, options: { certificate?: boolean } = {}): Docker {
  const ca = fs.readFileSync(info.tls.ca);
  if (options.certificate === false) return new Docker({ host: node.address, port: node.port, protocol: "https", ca });
  return new Docker({
    host: node.address,
    port: node.port,
    protocol: "https",
    ca,
    cert: fs.readFileSync(info.tls.cert),
    key: fs.readFileSync(info.tls.key),
  });
}

export function managerEngine(info: ClusterInfo): Docker {
  return nodeEngine(info, nodeNamed(info, info.manager));
}

/** Polls until the check returns a value (not undefined), at most `seconds`; the error names what was awaited. */
export async function pollFor<T>(what: string, seconds: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${seconds} s${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
