import type { Readable, Writable } from "node:stream";

/**
 * One container engine, as the workspace backends (lib/backend/) use it: a backend holds one of these per engine it
 * drives (one on a single host; one per machine in a cluster). One Docker implementation; the interface keeps
 * Docker's API shapes, and the translation of its failures, in one place.
 */
export interface ContainerRuntime {
  /** Where the engine is, for error messages. */
  readonly endpoint: string;
  ping(): Promise<void>;
  /** The image's content id, or null when the engine does not have it. */
  imageId(ref: string): Promise<string | null>;
  /** Creates the network when missing (inter-container traffic off) and returns its id. */
  ensureNetwork(name: string, labels: Record<string, string>): Promise<string>;
  /** The host interface of a bridge network (for the host firewall). */
  bridgeOf(networkId: string): Promise<string>;
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  /** Null when no such container exists. */
  inspect(idOrName: string): Promise<ContainerInfo | null>;
  /** Containers in any state whose labels include all of `labels`. */
  list(labels: Record<string, string>): Promise<ContainerInfo[]>;
  logs(id: string, tailLines: number): Promise<string>;
  exec(id: string, options: ExecOptions): Promise<ExecProcess>;
  /** Starts a process in the container and leaves it running there, unattached (like `docker exec -d`). */
  spawn(id: string, options: Omit<ExecOptions, "tty" | "stdin" | "cols" | "rows">): Promise<void>;
  stats(id: string): Promise<ContainerStats>;
  /** One reading of the container's counters: cheap (no sampling wait), for meters that keep their own deltas. */
  usage(id: string): Promise<ContainerUsage>;
  /** The container's processes as the host sees them (`docker top`). */
  processes(id: string): Promise<ContainerProcess[]>;
  /**
   * Copies `path` (a file or a directory) out of `image` into the host directory `into`, regular files and
   * directories only (links are skipped, so nothing can point outside `into`). False when the image has no such
   * path. The image is never run.
   */
  copyFromImage(image: string, path: string, into: string, labels: Record<string, string>): Promise<boolean>;
  /**
   * Follows containers whose labels include all of `labels` being made, started, ended and removed, from now until
   * the returned function is called. Each time the connection to the engine opens (at first, and again after it
   * broke) `onEvent` is given null: what happened while it was closed may not all be told. `onLost` is told each
   * time it breaks: until the next null, changes go untold.
   */
  events(labels: Record<string, string>, onEvent: (event: ContainerEvent | null) => void, onLost?: () => void): () => void;
}

export interface ContainerEvent {
  id: string;
  /** `die`: its first process ended, however (stopped, crashed, killed). */
  action: "create" | "start" | "die" | "destroy";
  /** The container's labels, with the engine's own attributes (name, image, exitCode). */
  attributes: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname: string;
  labels: Record<string, string>;
  cmd: string[];
  user: string;
  workdir: string;
  env: string[];
  binds: { source: string; target: string; readOnly?: boolean }[];
  /** Directories that are size-limited tmpfs (their pages count against the memory limit); the rest of the root is read-only. */
  scratch: { path: string; bytes: number }[];
  limits: { memoryBytes: number; cpus: number; pids: number };
  network: string;
}

export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  imageId: string;
  status: ContainerStatus;
  exitCode: number;
  oomKilled: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  /** Address on the workspace network, present while running. */
  ipAddress?: string;
  /** The engine's own error text for the last start, if any. */
  error?: string;
}

export interface ExecOptions {
  cmd: string[];
  tty: boolean;
  /** Attach stdin; without it the process sees an empty stdin. */
  stdin?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  cols?: number;
  rows?: number;
}

export interface ExecProcess {
  readonly id: string;
  /** Present when stdin was attached; `end()` delivers EOF to the process. */
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  /** With a TTY everything arrives on stdout and this stream only ends. */
  readonly stderr: Readable;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the process has ended. */
  wait(): Promise<number>;
  /** Drops the connection to the process (the process itself is not signalled). */
  detach(): void;
}

export interface ContainerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  pids: number;
}

export interface ContainerProcess {
  pid: number;
  ppid: number;
  command: string;
}

export interface ContainerUsage {
  /** CPU time used since the container started. */
  cpuSeconds: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}
