import https from "node:https";
import { pipeline } from "node:stream/promises";
import Docker from "dockerode";
import tar from "tar-fs";
import type {
  ContainerEvent,
  ContainerInfo,
  ContainerProcess,
  ContainerRuntime,
  ContainerSpec,
  ContainerStats,
  ContainerStatus,
  ContainerUsage,
  ExecOptions,
  ExecProcess,
} from "../runtime";
import { isNotFound, statusOf, translate } from "./errors";
import { framesText } from "./demux";
import { DockerExecProcess } from "./exec-process";
import { toCreateOptions } from "./create-options";
import { followEvents } from "./events";

/** An engine on another machine: its API over TCP with mutual TLS (the PEM texts of a DOCKER_CERT_PATH). */
export interface TlsEngine {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** How long a call may wait for the engine to answer at all (a lost machine must not hold a caller for minutes). */
  timeoutMs?: number;
}

/** ContainerRuntime over the Docker Engine API; every call's failure is translated in one place. */
export class DockerRuntime implements ContainerRuntime {
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly networks = new Map<string, Promise<string>>();

  /** The local engine's socket path, or an engine elsewhere over mutual TLS. */
  constructor(engine: string | TlsEngine) {
    if (typeof engine === "string") {
      this.endpoint = `unix://${engine}`;
      this.docker = new Docker({ socketPath: engine });
      return;
    }
    const { host, port, ca, cert, key } = engine;
    this.endpoint = `tcp://${host}:${port}`;
    // One kept-alive pool per engine: each call would otherwise pay a TCP and TLS handshake; the keep-alive probes
    // also notice a machine that went silent.
    const agent = new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000, ca, cert, key });
    // docker-modem takes an agent; dockerode's types do not say so.
    const options = { host, port, protocol: "https", ca, cert, key, agent, ...(engine.timeoutMs ? { connectionTimeout: engine.timeoutMs } : {}) };
    this.docker = new Docker(options as Docker.DockerOptions);
  }

  /** The dockerode client itself, for a backend's calls that are not one container's (a swarm's services). */
  get client(): Docker {
    return this.docker;
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(error, this.endpoint, action);
    }
  }

  ping(): Promise<void> {
    return this.call("answer a ping", async () => {
      await this.docker.ping();
    });
  }

  imageId(ref: string): Promise<string | null> {
    return this.call(`inspect image ${ref}`, async () => {
      try {
        return (await this.docker.getImage(ref).inspect()).Id;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  ensureNetwork(name: string, labels: Record<string, string>): Promise<string> {
    // One creation in flight per name in this process; the engine itself does not stop two at once.
    let pending = this.networks.get(name);
    if (!pending) {
      pending = this.call(`create network ${name}`, () => this.findOrCreateNetwork(name, labels));
      this.networks.set(name, pending);
      pending.catch(() => this.networks.delete(name));
    }
    return pending;
  }

  async bridgeOf(networkId: string): Promise<string> {
    const info = await this.call(`inspect network ${networkId}`, () => this.docker.getNetwork(networkId).inspect());
    // Docker names a bridge br-<first 12 of the id> unless the network says otherwise.
    return (info.Options as Record<string, string> | undefined)?.["com.docker.network.bridge.name"] ?? `br-${String(info.Id).slice(0, 12)}`;
  }

  private async findOrCreateNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const existing = await this.networksNamed(name);
    if (existing[0]) return existing[0].Id;
    await this.docker.createNetwork({
      Name: name,
      Driver: "bridge",
      Labels: labels,
      // Workspaces must not reach each other; the host (the portal) still reaches every workspace.
      Options: { "com.docker.network.bridge.enable_icc": "false" },
    });
    // Another portal process may have raced us: everyone settles on the oldest network of that name.
    const [oldest, ...extra] = await this.networksNamed(name);
    for (const net of extra) await this.docker.getNetwork(net.Id).remove().catch(() => undefined);
    if (!oldest) throw new Error(`network ${name} vanished right after creation`);
    return oldest.Id;
  }

  private async networksNamed(name: string): Promise<Docker.NetworkInspectInfo[]> {
    const all = await this.docker.listNetworks({ filters: { name: [name] } });
    return all.filter((n) => n.Name === name).sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || a.Id.localeCompare(b.Id));
  }

  create(spec: ContainerSpec): Promise<string> {
    return this.call(`create container ${spec.name}`, async () => {
      const container = await this.docker.createContainer(toCreateOptions(spec));
      return container.id;
    });
  }

  start(id: string): Promise<void> {
    return this.call("start the container", async () => {
      try {
        await this.docker.getContainer(id).start();
      } catch (error) {
        if (statusOf(error) !== 304) throw error; // already running
      }
    });
  }

  stop(id: string, timeoutSeconds: number): Promise<void> {
    return this.call("stop the container", async () => {
      try {
        await this.docker.getContainer(id).stop({ t: timeoutSeconds });
      } catch (error) {
        if (statusOf(error) !== 304 && !isNotFound(error)) throw error;
      }
    });
  }

  remove(id: string): Promise<void> {
    return this.call("remove the container", async () => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: false });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  inspect(idOrName: string): Promise<ContainerInfo | null> {
    return this.call("inspect the container", async () => {
      try {
        return toInfo(await this.docker.getContainer(idOrName).inspect());
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    return this.call("list containers", async () => {
      const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      const summaries = await this.docker.listContainers({ all: true, filters: { label } });
      const infos = await Promise.all(summaries.map((s) => this.inspect(s.Id)));
      return infos.filter((info): info is ContainerInfo => info !== null);
    });
  }

  logs(id: string, tailLines: number): Promise<string> {
    return this.call("read the container's logs", async () => {
      const container = this.docker.getContainer(id);
      const info = await container.inspect();
      const raw = (await container.logs({ stdout: true, stderr: true, tail: tailLines, follow: false })) as Buffer;
      if (info.Config.Tty) return raw.toString("utf8");
      return framesText(raw);
    });
  }

  exec(id: string, options: ExecOptions): Promise<ExecProcess> {
    return this.call("run a command in the workspace", async () => {
      const stdin = options.stdin ?? false;
      const exec = await this.docker.getContainer(id).exec({
        Cmd: options.cmd,
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: options.tty,
        ...(options.user ? { User: options.user } : {}),
        ...(options.workdir ? { WorkingDir: options.workdir } : {}),
        ...(options.env ? { Env: options.env } : {}),
      });
      const stream = await exec.start({ hijack: true, stdin, Tty: options.tty });
      const process = new DockerExecProcess(this.docker, exec, stream, options.tty, stdin, this.endpoint);
      if (options.tty && options.cols && options.rows) await process.resize(options.cols, options.rows);
      return process;
    });
  }

  spawn(id: string, options: Omit<ExecOptions, "tty" | "stdin" | "cols" | "rows">): Promise<void> {
    return this.call("start a background process in the workspace", async () => {
      const exec = await this.docker.getContainer(id).exec({
        Cmd: options.cmd,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        ...(options.user ? { User: options.user } : {}),
        ...(options.workdir ? { WorkingDir: options.workdir } : {}),
        ...(options.env ? { Env: options.env } : {}),
      });
      await exec.start({ Detach: true });
    });
  }

  copyFromImage(image: string, path: string, into: string, labels: Record<string, string>): Promise<boolean> {
    return this.call(`copy ${path} out of image ${image}`, async () => {
      // A created, never started container is how the Engine API reads files out of an image.
      const container = await this.docker.createContainer({ Image: image, Cmd: ["true"], Entrypoint: [], Labels: labels, NetworkDisabled: true });
      try {
        let archive: NodeJS.ReadableStream;
        try {
          archive = await container.getArchive({ path });
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
        const regular = (_name: string, header?: { type?: string | null }) => header?.type !== "file" && header?.type !== "directory";
        await pipeline(archive, tar.extract(into, { ignore: regular, readable: true }));
        return true;
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
      }
    });
  }

  events(labels: Record<string, string>, onEvent: (event: ContainerEvent | null) => void, onLost?: () => void): () => void {
    return followEvents(this.docker, labels, onEvent, onLost);
  }

  stats(id: string): Promise<ContainerStats> {
    return this.call("read the container's usage", async () => {
      const s = (await this.docker.getContainer(id).stats({ stream: false })) as Docker.ContainerStats;
      const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage?.total_usage ?? 0);
      const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
      const cpus = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
      return {
        cpuPercent: systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0,
        memoryBytes: memoryInUse(s),
        memoryLimitBytes: s.memory_stats.limit ?? 0,
        pids: (s as unknown as { pids_stats?: { current?: number } }).pids_stats?.current ?? 0,
      };
    });
  }

  usage(id: string): Promise<ContainerUsage> {
    return this.call("read the container's usage", async () => {
      // one-shot: the engine answers from one reading instead of waiting a second for a second one.
      const s = (await this.docker.getContainer(id).stats({ stream: false, "one-shot": true } as never)) as unknown as Docker.ContainerStats;
      return {
        cpuSeconds: (s.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9,
        memoryBytes: memoryInUse(s),
        memoryLimitBytes: s.memory_stats?.limit ?? 0,
      };
    });
  }

  processes(id: string): Promise<ContainerProcess[]> {
    return this.call("list the container's processes", async () => {
      const top = (await this.docker.getContainer(id).top({ ps_args: "-o pid,ppid,args" })) as { Titles: string[]; Processes: string[][] };
      const at = (name: string) => top.Titles.findIndex((t) => t.toUpperCase() === name);
      const [pid, ppid, args] = [at("PID"), at("PPID"), Math.max(at("COMMAND"), at("ARGS"), at("CMD"))];
      return (top.Processes ?? []).map((row) => ({ pid: Number(row[pid]), ppid: Number(row[ppid]), command: row[args] ?? "" }));
    });
  }
}

/** Memory the container uses: cgroup v1 counts page cache in usage, so it is subtracted as `docker stats` does. */
function memoryInUse(s: Docker.ContainerStats): number {
  const cache = (s.memory_stats?.stats as Record<string, number> | undefined)?.["total_inactive_file"] ?? 0;
  return Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
}

function toInfo(raw: Docker.ContainerInspectInfo): ContainerInfo {
  const networks = Object.values(raw.NetworkSettings?.Networks ?? {});
  const ip = networks.map((n) => n.IPAddress).find((a) => a);
  const date = (text: string | undefined) => (text && !text.startsWith("0001-") ? new Date(text) : undefined);
  const startedAt = date(raw.State.StartedAt);
  const finishedAt = date(raw.State.FinishedAt);
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ""),
    labels: raw.Config.Labels ?? {},
    imageId: raw.Image,
    status: raw.State.Status as ContainerStatus,
    exitCode: raw.State.ExitCode,
    oomKilled: raw.State.OOMKilled,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(ip && raw.State.Running ? { ipAddress: ip } : {}),
    ...(raw.State.Error ? { error: raw.State.Error } : {}),
  };
}
