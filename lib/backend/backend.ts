import type { Logger } from "pino";
import type { WorkspaceError } from "../errors/workspace-errors";
import type { ContainerProcess, ContainerStats, ContainerUsage, ExecOptions, ExecProcess } from "../runtime/runtime";

export type { ContainerProcess, ContainerStats, ContainerUsage, ExecOptions, ExecProcess };

/**
 * One user's workspace wherever it runs, between the workspace service (lib/workspace/manager.ts) and an engine.
 * The handle is the workspace's slug, never an engine's id: on one Docker host a workspace is one container; in a
 * cluster it may be a service whose container moves between machines, or a pod. The manager keeps its locks, the
 * start gate, quotas and events, and learns nothing of which backend runs. Each backend reaches its engines through
 * `ContainerRuntime` (one engine each, its errors translated in one place), as many as it needs.
 */
export interface WorkspaceBackend {
  readonly kind: "docker" | "swarm";
  /** What this backend holds every workspace to, for the README and the admin page. */
  readonly enforces: Enforcement;
  /** Where its engine is, for error messages and the operators' status. */
  readonly endpoint: string;
  /** Answers when the engine that starts workspaces can be reached; throws what is wrong otherwise. */
  ping(): Promise<void>;
  /**
   * The content id of the image a workspace made now would run, or null when it is not there to run. (One host:
   * the engine's own image; a cluster checks the digest it pins at its manager or registry.)
   */
  imageId(ref: string): Promise<string | null>;
  /** What a start is told when `imageId` finds no image: where it is missing, and what an operator must do. */
  missingImage(ref: string): WorkspaceError;
  /**
   * Copies `path` (a file or a directory) out of `image` into the directory `into` on this portal host, regular
   * files and directories only; false when the image has no such path. The image is never run.
   */
  copyFromImage(image: string, path: string, into: string): Promise<boolean>;
  /**
   * Makes the workspace `spec` describes, unless one already is: a stopped workspace made from another spec (image,
   * limits) is made anew, its home carrying the files over; a running one is left as it is, and a changed spec
   * reaches it at its next start. Safe to call from two portal processes at once: both end with the same one.
   * `beforeMake` runs only when it is about to be made: what must exist first (its home and files on the host),
   * and telling the user why this start takes longer.
   */
  ensure(spec: WorkspaceSpec, beforeMake?: () => Promise<void>): Promise<Ensured>;
  /**
   * Starts the workspace (already running: nothing to do) and resolves once it runs or its engine stopped trying
   * (a scheduler's backend waits while it places it): whether it runs then is for `find` to say. A scheduler that
   * has no machine with room says why through `options.onWaiting`, and gives up with a `capacity` error when the
   * wait is too long or `options.signal` aborts (the workspace is then asked to stop, so it never starts unseen).
   */
  start(slug: string, options?: StartOptions): Promise<void>;
  /** Stops it, giving its processes `timeoutSeconds` to end on their own; a stopped or missing one is left so. */
  stop(slug: string, timeoutSeconds: number): Promise<void>;
  /** Removes it for good (never its home); a missing one is no error. */
  remove(slug: string): Promise<void>;
  /** Where and how the workspace is now; null when there is none. */
  find(slug: string): Promise<Placement | null>;
  /** Every workspace whose labels include all of `labels`, in any state. */
  list(labels: Record<string, string>): Promise<Placement[]>;
  /** Runs a process in a running workspace (attached: its streams and exit status). */
  exec(at: RunningAt, options: ExecOptions): Promise<ExecProcess>;
  /** Starts a process in a running workspace and leaves it running there, unattached (like `docker exec -d`). */
  spawn(at: RunningAt, options: SpawnOptions): Promise<void>;
  stats(at: RunningAt): Promise<ContainerStats>;
  /** One reading of its counters: cheap (no sampling wait), for meters that keep their own deltas. */
  usage(at: RunningAt): Promise<ContainerUsage>;
  /** Its processes as the machine it runs on sees them. */
  processes(at: RunningAt): Promise<ContainerProcess[]>;
  /** The last lines its first process printed, e.g. why it ended at start. */
  logs(at: Placement, tailLines: number): Promise<string>;
  /**
   * Tells `onChange` whenever a workspace of this portal changes state on the engine, whoever changed it (the
   * portal, an operator's `docker stop`, the OOM killer, a machine lost): so caches and terminals react at once
   * rather than when they next ask. Until the returned function is called.
   */
  watch(onChange: (change: WorkspaceChange) => void): () => void;
  /**
   * Starts what the backend does by itself to keep each workspace running where it was asked to run, whoever asks:
   * a cluster starts a workspace again elsewhere when the machine it ran on is lost (never one whose first process
   * ended by itself: that stays ended, as on one host). Until the returned function is called. One host has nothing
   * to keep: a workspace there ends with its host.
   */
  keep?(log: Logger): () => void;
  /**
   * The interface on this portal's own host that workspaces' traffic passes, for the egress firewall the portal
   * keeps there (one host: the workspaces' bridge, the network made first if missing). A backend whose workspaces
   * run on other machines has none: each machine's own start script holds its rules.
   */
  hostBridge?(): Promise<string>;
}

/** What a backend holds each workspace to, beyond memory and CPU (which all of them do). */
export interface Enforcement {
  /** A cap on the number of processes. */
  pidsLimit: boolean;
  /** No swap beyond the memory limit. */
  swapLimit: boolean;
  /** No process gains privileges it started without (setuid binaries, file capabilities). */
  noNewPrivileges: boolean;
}

/**
 * What a workspace should be, said the same way to every backend. Built by lib/workspace/spec.ts; each backend
 * maps it to its engine's own (a container's create options, a service spec, a pod) and decides from it when a
 * workspace must be made anew.
 */
export interface WorkspaceSpec {
  slug: string;
  /** By reference, and the content id that reference names now (a workspace made of it runs exactly that). */
  image: { ref: string; id: string };
  cmd: string[];
  /** The host uid and gid it runs as, by number (its own passwd is bound in among `files`). */
  user: { uid: number; gid: number };
  workdir: string;
  env: string[];
  hostname: string;
  labels: Record<string, string>;
  /**
   * The user's home, mounted at `target`: a directory on the host (on one host, the data root; in a cluster,
   * shared storage mounted at the same path on every machine). A per-user volume claim is the other kind a
   * backend may add.
   */
  home: { kind: "path"; path: string; target: string };
  /**
   * Files from the host bound read-only over the image's own: its identity (/etc/passwd, /etc/group) and LXCFS's
   * /proc view, which every machine that runs workspaces serves at the same path.
   */
  files: { source: string; target: string }[];
  /** Directories that are size-limited tmpfs (their pages count against the memory limit); the rest of the root is read-only. */
  scratch: { path: string; bytes: number }[];
  limits: { memoryBytes: number; cpus: number; pids: number };
  /** What a scheduler must find free on a machine before it places the workspace there (a cluster's concern). */
  reservations?: { memoryBytes: number; cpus: number };
  /** Where a scheduler may place it, in its own terms (a cluster's concern). */
  placement?: { constraints: string[] };
}

export type Ensured = {
  placement: Placement;
  /** `created`: there was none; `replaced`: a stopped one of another spec was made anew; null: it was there. */
  made: "created" | "replaced" | null;
};

/**
 * - `created`: made, never run.
 * - `stopped`: ran, and does not now.
 * - `pending`: asked to run, not placed on a machine yet (a cluster without room); `reason` says why.
 * - `starting`: placed, its first process not up yet.
 * - `running`.
 * - `failed`: the engine gave up on it; `reason` says why.
 */
export type PlacementState = "created" | "stopped" | "pending" | "starting" | "running" | "failed";

/** Where and how one workspace is, as its backend sees it. */
export interface Placement {
  slug: string;
  /** Its name on the engine (container, service): the operator's prefix and the slug. */
  name: string;
  labels: Record<string, string>;
  state: PlacementState;
  /** Why it is not running as asked, in the engine's words (a start error; no machine with room). */
  reason?: string;
  /** The exit status of its first process, once that has ended. */
  exitCode?: number;
  /** It ended because the kernel's OOM killer ended its first process (not merely one of them). */
  oomKilled?: boolean;
  startedAt?: Date;
  stoppedAt?: Date;
  /** The machine it runs on, where a backend has several; for messages and the admin page. */
  node?: string;
  /** The engine's id of what runs it now (a container id; a pod's uid): changes whenever it is made anew or moves. */
  instanceId?: string;
  /** While running: its address, reachable from every portal host (VS Code, previews, `ssh -L`). */
  address?: string;
}

/** What exec, spawn, stats and usage need to reach a running workspace: the instance, and the machine it is on. */
export interface RunningAt {
  slug: string;
  instanceId: string;
  node?: string;
}

export interface StartOptions {
  /** Told (again whenever it changes) why the workspace waits for a machine: the scheduler's own words. */
  onWaiting?: (reason: string) => void;
  signal?: AbortSignal;
}

export type SpawnOptions = Omit<ExecOptions, "tty" | "stdin" | "cols" | "rows">;

export type WorkspaceChange =
  /** One workspace was made, started, stopped (however: asked, crashed, killed) or removed. */
  | { kind: "workspace"; slug: string; what: "created" | "started" | "stopped" | "removed" }
  /**
   * The backend (re)connected to its engine: changes are told from here on, and anything may have changed before,
   * so what was remembered of any workspace is to be asked again.
   */
  | { kind: "resync" }
  /**
   * The backend lost its engine's stream of changes: until the next `resync`, a change may go untold, so nothing
   * remembered of any workspace is to be relied on (an address may already be another workspace's).
   */
  | { kind: "lost" };
