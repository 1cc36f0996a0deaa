import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { managerEngine, nodeEngine, nodeNamed, pollFor, type ClusterInfo, type ClusterNode } from "./cluster";

/**
 * A workspace on the test cluster, made the way the Swarm backend is meant to: one replicated service with the
 * cluster's placement constraints, its home on the homes volume and the node-local workspace network. Tests use
 * it to look at the cluster itself; the portal's own backend is not involved.
 */
export interface ClusterWorkspace {
  service: string;
  node: ClusterNode;
  /** The engine of the node it runs on (mutual TLS). */
  engine: Docker;
  containerId: string;
  /** Its address on the workspace network, in its node's range. */
  address: string;
  /** Its first process, as the host sees it. */
  pid: number;
  home: string;
  /** Who its processes run as (`uid:gid`). */
  user: string;
}

export const WORKSPACE_PORT = 8080;
/** A first process that does nothing and ends at once on SIGTERM (as the images' own idle command). */
export const IDLE = 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done';
const WORKSPACE_UID = 1000;
// busybox's web server on the workspace port, so a connection that is allowed succeeds.
const LISTENER = `mkdir -p /tmp/www && echo ok >/tmp/www/index.html && exec httpd -f -p ${WORKSPACE_PORT} -h /tmp/www`;

interface TaskSeen {
  State: string;
  Err?: string;
  ContainerID?: string;
  NodeID?: string;
}

export async function startWorkspace(
  info: ClusterInfo,
  name: string,
  options: { on?: string; script?: string } = {},
): Promise<ClusterWorkspace> {
  const home = path.join(info.homes.path, name);
  fs.mkdirSync(home, { recursive: true });
  fs.chownSync(home, WORKSPACE_UID, WORKSPACE_UID);
  const manager = managerEngine(info);
  await manager.createService({
    Name: name,
    Labels: { "org.scitex.portal.test": "cluster" },
    TaskTemplate: {
      ContainerSpec: {
        Image: info.images.test,
        Command: ["sh", "-c", options.script ?? LISTENER],
        User: `${WORKSPACE_UID}:${WORKSPACE_UID}`,
        Mounts: [{ Type: "bind", Source: home, Target: "/home/user" }],
      },
      Placement: { Constraints: [...info.placement.constraints, ...(options.on ? [`node.hostname==${options.on}`] : [])] },
      Networks: [{ Target: info.network.name }],
      RestartPolicy: { Condition: "none" },
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
  return runningWorkspace(info, name, home);
}

/** The service's running task, as its node's engine sees it; waits for it, and fails with the task's own reason. */
export async function runningWorkspace(info: ClusterInfo, service: string, home: string, seconds = 90): Promise<ClusterWorkspace> {
  const manager = managerEngine(info);
  const task = await pollFor(`the task of ${service} to run`, seconds, async () => {
    const tasks = (await manager.listTasks({ filters: { service: [service] } })) as Array<{
      NodeID?: string;
      DesiredState: string;
      Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
    }>;
    const current = tasks.filter((t) => t.DesiredState === "running");
    const seen: TaskSeen[] = current.map((t) => ({ State: t.Status.State, Err: t.Status.Err, ContainerID: t.Status.ContainerStatus?.ContainerID, NodeID: t.NodeID }));
    const failed = seen.find((t) => ["rejected", "failed", "shutdown"].includes(t.State));
    if (failed) return failed;
    return seen.find((t) => t.State === "running" && t.ContainerID && t.NodeID);
  });
  if (task.State !== "running") throw new Error(`${service} did not start: ${task.State}: ${task.Err ?? "no reason given"}`);
  const hostname = ((await manager.getNode(task.NodeID!).inspect()) as { Description: { Hostname: string } }).Description.Hostname;
  const node = nodeNamed(info, hostname);
  const engine = nodeEngine(info, node);
  const container = await engine.getContainer(task.ContainerID!).inspect();
  const address = container.NetworkSettings.Networks[info.network.name]?.IPAddress;
  if (!address) throw new Error(`${service} has no address on ${info.network.name}`);
  return { service, node, engine, containerId: container.Id, address, pid: container.State.Pid, home, user: container.Config.User || "0:0" };
}

/** Removes the workspace's service and its home; a service already gone is fine. */
export async function removeWorkspace(info: ClusterInfo, name: string): Promise<void> {
  await managerEngine(info)
    .getService(name)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  fs.rmSync(path.join(info.homes.path, name), { recursive: true, force: true });
}

/** Runs a command inside the workspace as its user, through its node's engine. */
export async function execIn(ws: ClusterWorkspace, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const exec = await ws.engine.getContainer(ws.containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    User: ws.user,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  ws.engine.modem.demuxStream(stream, out, out);
  await new Promise((resolve) => stream.on("end", resolve));
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, output: Buffer.concat(chunks).toString("utf8") };
}

export { hostCanConnect } from "./can-connect";

/**
 * Tries each host:port from inside the workspace with bash's /dev/tcp, `concurrency` at a time, all in one exec
 * (quick: the nodes refuse with a reset, and `timeoutSeconds` bounds a silent one). Says which targets accepted a
 * connection, and how many tries ran (each prints its outcome, so a probe that never ran is not taken for closed).
 */
export async function probeFromInside(
  ws: ClusterWorkspace,
  targets: string[],
  options: { timeoutSeconds?: number; concurrency?: number } = {},
): Promise<{ open: string[]; tried: number }> {
  const { timeoutSeconds = 5, concurrency = targets.length } = options;
  const script = [
    'limit=$1 seconds=$2; shift 2; n=0',
    'for t in "$@"; do',
    '  (if timeout "$seconds" bash -c "exec 3<>/dev/tcp/${t%:*}/${t##*:}" 2>/dev/null; then echo "open $t"; else echo "closed $t"; fi) &',
    '  n=$((n + 1)); [ $((n % limit)) -eq 0 ] && wait',
    'done; wait',
  ].join("\n");
  const { output } = await execIn(ws, ["bash", "-c", script, "probe", String(concurrency), String(timeoutSeconds), ...targets]);
  const lines = output.split("\n");
  return {
    open: lines.filter((line) => line.startsWith("open ")).map((line) => line.slice(5)).sort(),
    tried: lines.filter((line) => line.startsWith("open ") || line.startsWith("closed ")).length,
  };
}

/** Tries each host:port from inside the workspace at once (5 s each); returns the targets that accepted a connection. */
export async function openFromInside(ws: ClusterWorkspace, targets: string[]): Promise<string[]> {
  return (await probeFromInside(ws, targets)).open;
}
