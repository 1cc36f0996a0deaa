import type { Logger } from "pino";
import type { RegisteredUser, UserRegistry } from "../identity/registry";
import { validateUser, type PortalUser } from "../identity/user";
import type { ContainerStats, ExecOptions, ExecProcess, Placement, RunningAt, SpawnOptions, WorkspaceBackend } from "../backend/backend";
import { LABEL } from "../backend/labels";
import { KeyedMutex } from "../util/keyed-mutex";
import {
  ContainerExitedError,
  HeldElsewhereError,
  isWorkspaceError,
  NameConflictError,
  StartTimeoutError,
  WorkspaceError,
  WorkspaceNotFoundError,
} from "../errors/workspace-errors";
import { deleteHome, ensureHome, homePath } from "./home";
import { identityPaths, WorkspaceIdentities } from "./identity-files";
import { LeaseHolders, leaseProbe, readProbe, type LeaseProbe } from "./lease";
import type { Place } from "./start-gate";
import type { StartLine } from "./start-line";
import type { UserLocks } from "./user-locks";
import { containerName, workspaceSpec, WORKSPACE_HOME } from "./spec";
import { describePlacement } from "./status";
import type { WorkspaceLimits } from "../config/env";
import type { StartProgress, WorkspaceSettings, WorkspaceStatus } from "./types";

export type ProgressListener = (progress: StartProgress) => void;

/** Why a workspace was stopped: by its owner, for being idle, or by an admin. */
export type StopCause = "user" | "idle" | "admin";

/** What the idle stop tells the user afterwards. */
export interface StopDetail {
  /** The user's own processes that the stop ended. */
  processes?: number;
  /** How long nobody had used the workspace. */
  idleMs?: number;
}

export type WorkspaceEvent =
  | { type: "created"; user: RegisteredUser }
  | { type: "started"; user: RegisteredUser; ms: number }
  /** Said before the engine stops it, so each open session can tell its user why it is about to end. */
  | { type: "stopping"; user: RegisteredUser; cause: StopCause; detail?: StopDetail }
  /** The engine failed to stop it: it is still running, and its sessions go on. */
  | { type: "stop-failed"; user: RegisteredUser }
  | { type: "stopped"; user: RegisteredUser; cause: StopCause; detail?: StopDetail }
  | { type: "removed"; user: RegisteredUser };

export interface WorkspaceManagerDeps {
  /** What runs the workspaces (lib/backend/): the manager asks it for everything and knows no engine. */
  backend: WorkspaceBackend;
  registry: UserRegistry;
  settings: WorkspaceSettings;
  log: Logger;
  /** Every change of state, for the audit log and metrics: one place that sees all doors' starts and stops. */
  /** Awaited: what it records (the audit entry a status then reads) is written before the call that changed things returns. */
  onEvent?: (event: WorkspaceEvent) => void | Promise<void>;
  /** The cap on running workspaces; without one, any number may run. */
  gate?: StartLine;
  /** The per-user start/stop lock; in this process alone unless given (several processes share one). */
  locks?: UserLocks;
  /** Per-user limits (quotas); without it, everyone gets the settings' limits. */
  limitsFor?: (user: RegisteredUser) => WorkspaceLimits;
  /** A last check before a stopped workspace starts (e.g. the disk quota); it throws to refuse. */
  beforeStart?: (user: RegisteredUser) => Promise<void>;
  /**
   * The home exists and belongs to `uid`, before every start of the workspace (e.g. to set its disk limit, so a
   * changed limit reaches the next start without the container being made again).
   */
  homeReady?: (user: RegisteredUser, home: string, uid: number) => Promise<void>;
}

/**
 * The one workspace service behind every door (web terminal, VS Code proxy, SSH). It keeps no state of its own:
 * each call asks the backend, so a restarted portal carries on with whatever workspaces exist.
 */
export class WorkspaceManager {
  private readonly locks: UserLocks;
  /** The running copies seen holding their lease: only they are ever called ready, routed to or exec'd in. */
  private readonly leases = new LeaseHolders();
  private readonly backend: WorkspaceBackend;
  private readonly registry: UserRegistry;
  readonly settings: WorkspaceSettings;
  private readonly log: Logger;
  private readonly onEvent: (event: WorkspaceEvent) => void | Promise<void>;
  private readonly gate: StartLine | null;
  private readonly limitsFor: (user: RegisteredUser) => WorkspaceLimits;
  private readonly beforeStart: (user: RegisteredUser) => Promise<void>;
  private readonly identities: WorkspaceIdentities;
  private readonly homeReady: (user: RegisteredUser, home: string, uid: number) => Promise<void>;

  constructor(deps: WorkspaceManagerDeps) {
    this.backend = deps.backend;
    this.registry = deps.registry;
    this.settings = deps.settings;
    this.log = deps.log;
    this.onEvent = deps.onEvent ?? (() => {});
    this.gate = deps.gate ?? null;
    this.locks = deps.locks ?? new KeyedMutex();
    this.limitsFor = deps.limitsFor ?? (() => this.settings.limits);
    this.beforeStart = deps.beforeStart ?? (async () => {});
    this.homeReady = deps.homeReady ?? (async () => {});
    this.identities = new WorkspaceIdentities(this.backend, this.settings.dataRoot);
  }

  /** The user's workspace, made (not started) if they have none. */
  async getOrCreate(input: PortalUser, onProgress: ProgressListener = () => {}): Promise<WorkspaceStatus> {
    const user = await this.register(input);
    return this.locks.run(user.sub, async () => this.statusOf(user, await this.getOrCreateLocked(user, onProgress, await this.find(user))));
  }

  /** Creates or starts the workspace as needed and resolves once a shell can run in it. */
  async ensureRunning(input: PortalUser, onProgress: ProgressListener = () => {}, signal?: AbortSignal): Promise<WorkspaceStatus> {
    const user = await this.register(input);
    // The place in line is taken now, when the user asks: finding or making the workspace takes a time that
    // varies, and must not let a later arrival overtake.
    const place = this.gate?.enter(user.sub);
    try {
      return await this.locks.run(user.sub, () => this.ensureRunningLocked(user, onProgress, place, signal));
    } finally {
      place?.leave();
    }
  }

  private async ensureRunningLocked(user: RegisteredUser, onProgress: ProgressListener, place: Place | undefined, signal?: AbortSignal): Promise<WorkspaceStatus> {
    const started = Date.now();
    const found = await this.find(user);
    if (found?.state === "running") {
      // The hot path: one look, nothing to wait for (a shell that cannot start fails on its own exec), once this
      // portal process has seen this copy hold its lease; the first look at a copy waits for that.
      if (!this.leases.has(found)) await this.waitUntilReady(found, user, onProgress);
      onProgress({ step: "ready", message: "Your workspace is ready" });
      return this.statusOf(user, found);
    }
    await this.beforeStart(user);
    const placement = await this.getOrCreateLocked(user, onProgress, found);
    if (placement.state !== "running") {
      const uid = await this.uidOf(user);
      await this.homeReady(user, await ensureHome(this.settings.dataRoot, user.slug, uid), uid);
      const release = await this.waitForSlot(place, onProgress, signal);
      try {
        onProgress({ step: "starting", message: "Starting your workspace" });
        await this.startChecked(placement, user, onProgress, signal);
      } finally {
        release();
      }
      await this.emit({ type: "started", user, ms: Date.now() - started });
    }
    onProgress({ step: "ready", message: "Your workspace is ready" });
    this.log.info({ user: user.username, slug: user.slug, ms: Date.now() - started }, "workspace ready");
    return this.statusOf(user, await this.find(user));
  }

  async stop(input: PortalUser, cause: StopCause = "user", detail?: StopDetail): Promise<WorkspaceStatus> {
    const user = await this.register(input);
    return this.locks.run(user.sub, async () => {
      const placement = await this.find(user);
      if (!placement) throw new WorkspaceNotFoundError(user.username);
      const wasRunning = placement.state === "running";
      if (wasRunning) await this.emit({ type: "stopping", user, cause, ...(detail ? { detail } : {}) });
      try {
        await this.backend.stop(user.slug, this.settings.stopTimeoutSeconds);
      } catch (error) {
        if (wasRunning) await this.emit({ type: "stop-failed", user });
        throw error;
      }
      this.log.info({ user: user.username, slug: user.slug, cause }, "workspace stopped");
      if (wasRunning) await this.emit({ type: "stopped", user, cause, ...(detail ? { detail } : {}) });
      return this.statusOf(user, await this.find(user));
    });
  }

  /** Removes the workspace; the home directory on the host is kept unless `deleteHome` says otherwise. */
  async remove(input: PortalUser, options: { deleteHome?: boolean } = {}): Promise<void> {
    const user = await this.register(input);
    await this.locks.run(user.sub, async () => {
      if (await this.find(user)) await this.backend.remove(user.slug);
      if (options.deleteHome) await deleteHome(this.settings.dataRoot, user.slug);
      this.log.info({ user: user.username, slug: user.slug, homeDeleted: options.deleteHome === true }, "workspace removed");
      await this.emit({ type: "removed", user });
    });
  }

  /** CPU, memory and process count of a running workspace. */
  async stats(input: PortalUser): Promise<ContainerStats | null> {
    const placement = await this.find(await this.known(input));
    const at = placement && this.runningAt(placement);
    return at ? this.backend.stats(at) : null;
  }

  async status(input: PortalUser): Promise<WorkspaceStatus> {
    const user = await this.known(input);
    const found = await this.find(user);
    const status = this.statusOf(user, found && (await this.routable(found, user)).placement);
    return status.state !== "running" && (await this.locks.isBusy(user.sub)) ? { ...status, state: "starting" } : status;
  }

  /** Every workspace of this portal instance, whether or not its owner is known to this database. */
  async list(): Promise<WorkspaceStatus[]> {
    const placements = await this.backend.list({ [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance });
    return placements.map((p) =>
      describePlacement(p, {
        sub: p.labels[LABEL.ownerSub] ?? "",
        username: p.labels[LABEL.username] ?? "?",
        slug: p.labels[LABEL.slug] ?? "?",
      }),
    );
  }

  /** The host uid the user's workspace runs as: theirs alone, and no host account's. */
  async uidOf(user: RegisteredUser): Promise<number> {
    return this.settings.uidBase + (await this.registry.uidIndex(user.sub));
  }

  /** `uid:gid` for Docker: with a uid alone an exec would run in group 0. */
  private async userOf(user: RegisteredUser): Promise<string> {
    const uid = await this.uidOf(user);
    return `${uid}:${uid}`;
  }

  /** The host interface of the workspaces' network (made if missing), for the host firewall. */
  async bridge(): Promise<string> {
    if (!this.backend.hostBridge) {
      throw new WorkspaceError("runtime_error", "Workspaces do not run on this host: the machines that run them keep their own firewall rules.");
    }
    return this.backend.hostBridge();
  }

  /** Runs a process in the user's running workspace, as the workspace user in their home unless told otherwise. */
  async exec(input: PortalUser, options: ExecOptions): Promise<ExecProcess> {
    return (await this.execWhere(input, options)).process;
  }

  /** As `exec`, and where it runs: the instance (and machine) it was started in, to tell a move from an exit later. */
  async execWhere(input: PortalUser, options: ExecOptions): Promise<{ process: ExecProcess; at: RunningAt }> {
    const user = await this.register(input);
    const at = await this.running(user);
    return { process: await this.backend.exec(at, { user: await this.userOf(user), workdir: WORKSPACE_HOME, ...options }), at };
  }

  /** Starts a long-lived process (a server such as code-server) in the user's running workspace. */
  async spawn(input: PortalUser, options: SpawnOptions): Promise<void> {
    const user = await this.register(input);
    await this.backend.spawn(await this.running(user), { user: await this.userOf(user), workdir: WORKSPACE_HOME, ...options });
  }

  private async running(user: RegisteredUser): Promise<RunningAt> {
    const placement = await this.find(user);
    if (!placement) throw new WorkspaceNotFoundError(user.username);
    const at = this.runningAt(placement);
    if (!at) throw new WorkspaceError("not_found", `The workspace of ${user.username} is not running. Open it to start it.`);
    const { probe } = await this.routable(placement, user);
    if (probe === "elsewhere") throw new HeldElsewhereError();
    if (probe !== "held") throw new WorkspaceError("not_found", `The workspace of ${user.username} is still starting. Try again in a moment.`);
    return at;
  }

  /**
   * The placement as the doors may use it: a running copy not (yet) seen holding its lease is "starting", so the
   * proxy, SSH forwarding and status polls never reach a second copy. Each copy is asked once, not on every look;
   * one that is not running has nothing to be asked (`held`: its state already keeps the doors away).
   */
  private async routable(placement: Placement, user: RegisteredUser): Promise<{ placement: Placement; probe: LeaseProbe }> {
    const at = this.runningAt(placement);
    if (!at || this.leases.has(placement)) return { placement, probe: "held" };
    // One probe for everybody asking about this copy at once (a takeover of ten terminals asks ten times together).
    const probe = await this.leases.check(placement, () => this.probe(placement, at, user)).catch((): LeaseProbe => "not-yet");
    return { placement: probe === "held" ? placement : { ...placement, state: "starting" }, probe };
  }

  /**
   * Asks a running copy whether it may be called ready: where its first process takes the lease (the label says
   * where), whether that process holds it; a copy made before the lease, whether it runs a process at all.
   */
  private async probe(placement: Placement, at: RunningAt, user: RegisteredUser): Promise<LeaseProbe> {
    const lease = placement.labels[LABEL.lease];
    const proc = await this.backend.exec(at, { cmd: lease ? leaseProbe(lease) : ["true"], tty: false, user: await this.userOf(user) });
    const code = await proc.wait();
    return lease ? readProbe(code) : code === 0 ? "held" : "not-yet";
  }

  /** Where a running workspace can be reached; null when it is not running. */
  private runningAt(placement: Placement): RunningAt | null {
    if (placement.state !== "running" || !placement.instanceId) return null;
    return { slug: placement.slug, instanceId: placement.instanceId, ...(placement.node ? { node: placement.node } : {}) };
  }

  private waitForSlot(place: Place | undefined, onProgress: ProgressListener, signal?: AbortSignal): Promise<() => void> {
    if (!this.gate || !place) return Promise.resolve(() => {});
    const cap = this.gate.cap;
    let told = 0;
    return place.wait(
      (position) => {
        if (position === told) return;
        told = position;
        onProgress({
          step: "queued",
          message: `All ${cap} workspace slots are in use. You are number ${position} in line; your workspace starts as soon as one frees up`,
        });
      },
      signal,
    );
  }

  private async emit(event: WorkspaceEvent): Promise<void> {
    if (event.type === "stopped" || event.type === "removed") this.gate?.kick();
    try {
      await this.onEvent(event);
    } catch (error) {
      this.log.error({ err: error, event: event.type }, "workspace event listener failed");
    }
  }

  private register(input: PortalUser): Promise<RegisteredUser> {
    return this.registry.register(validateUser(input));
  }

  /**
   * The user as recorded, for the questions pages and polls ask: those record nothing, so a stale session's old
   * name is never written back. Only an account this database has never seen (its data directory replaced under
   * a live session) is recorded here, because a status needs the slug that names the workspace.
   */
  private async known(input: PortalUser): Promise<RegisteredUser> {
    const user = validateUser(input);
    return (await this.registry.bySub(user.sub)) ?? this.registry.register(user);
  }

  private async find(user: RegisteredUser): Promise<Placement | null> {
    const placement = await this.backend.find(user.slug);
    return placement && this.owned(user, placement);
  }

  /** A workspace of the user's name that is not theirs is never adopted. */
  private owned(user: RegisteredUser, placement: Placement): Placement {
    if (placement.labels[LABEL.ownerSub] !== user.sub) throw new NameConflictError(placement.name);
    return placement;
  }

  private statusOf(user: RegisteredUser, placement: Placement | null): WorkspaceStatus {
    if (!placement) {
      return {
        state: "none",
        sub: user.sub,
        username: user.username,
        slug: user.slug,
        containerName: containerName(this.settings, user.slug),
      };
    }
    return describePlacement(placement, user);
  }

  private async getOrCreateLocked(user: RegisteredUser, onProgress: ProgressListener, existing: Placement | null): Promise<Placement> {
    onProgress({ step: "checking", message: "Checking your workspace" });
    if (existing?.state === "running") return existing;
    const imageId = await this.backend.imageId(this.settings.image);
    if (!imageId) {
      if (existing) return existing; // it runs on whatever image it was made from
      throw this.backend.missingImage(this.settings.image);
    }
    const uid = await this.uidOf(user);
    const spec = workspaceSpec(this.settings, user, {
      home: homePath(this.settings.dataRoot, user.slug),
      imageId,
      limits: this.limitsFor(user),
      uid,
      identity: identityPaths(this.settings.dataRoot, user.slug),
    });
    const { placement, made } = await this.backend.ensure(spec, async () => {
      if (existing) this.log.info({ user: user.username, slug: user.slug }, "re-creating workspace with the current image and limits");
      onProgress({ step: "creating", message: "Creating your workspace" });
      await ensureHome(this.settings.dataRoot, user.slug, uid);
      await this.identities.filesFor(this.settings.image, imageId, user.slug, uid);
    });
    this.owned(user, placement); // one made a moment ago by another portal process is checked like any other
    if (made) {
      this.log.info({ user: user.username, slug: user.slug, container: placement.name }, "workspace created");
      await this.emit({ type: "created", user });
    }
    return placement;
  }

  private async startChecked(placement: Placement, user: RegisteredUser, onProgress: ProgressListener, signal?: AbortSignal): Promise<void> {
    const neverStarted = placement.state === "created";
    // A cluster without a machine with room keeps the start waiting: the user hears why, as in the portal's own queue.
    const onWaiting = (reason: string) => onProgress({ step: "queued", message: `Waiting for capacity: ${reason}. Your workspace starts as soon as a machine has room` });
    try {
      await this.backend.start(user.slug, { onWaiting, ...(signal ? { signal } : {}) });
      const after = await this.backend.find(user.slug);
      if (!after || after.state !== "running") throw await this.exited(after);
      await this.waitUntilReady(after, user, onProgress);
    } catch (error) {
      // A workspace that never ran holds nothing of the user's: take it away rather than leave it half made.
      if (neverStarted) await this.backend.remove(user.slug).catch(() => undefined);
      this.log.warn({ user: user.username, slug: user.slug, err: error }, "workspace failed to start");
      throw error;
    }
  }

  /**
   * A workspace is ready when the engine can run a process in it as the workspace user, and its first process
   * holds the workspace's lease: a second copy (another still holds it) is never called ready, and the user is
   * told why it waits, and why it gave up if that copy outlasts the start timeout.
   */
  private async waitUntilReady(placement: Placement, user: RegisteredUser, onProgress: ProgressListener): Promise<void> {
    const at = this.runningAt(placement);
    if (!at) throw await this.exited(placement);
    const deadline = Date.now() + this.settings.startTimeoutMs;
    let elsewhere = false;
    for (;;) {
      try {
        const probe = await this.probe(placement, at, user);
        if (probe === "held") {
          this.leases.add(placement);
          return;
        }
        if (probe === "elsewhere" && !elsewhere) {
          elsewhere = true;
          this.log.warn({ user: user.username, slug: user.slug, node: placement.node }, "workspace waits for its lease: another copy holds it");
          onProgress({ step: "starting", message: HeldElsewhereError.MESSAGE });
        }
      } catch (error) {
        const now = await this.backend.find(at.slug);
        if (!now || now.state !== "running") throw await this.exited(now);
        // A node's engine that is slow to answer (a busy machine) is asked again until the start's deadline.
        if (!isWorkspaceError(error) || (error.code !== "runtime_error" && error.code !== "docker_unavailable")) throw error;
      }
      if (Date.now() > deadline) throw elsewhere ? new HeldElsewhereError() : new StartTimeoutError(this.settings.startTimeoutMs / 1000);
      // A copy that waits for another may wait long: it is asked less often.
      await new Promise((r) => setTimeout(r, elsewhere ? 500 : 50));
    }
  }

  /** Why a workspace that was to run does not: its exit status and the last of what it printed. */
  private async exited(placement: Placement | null): Promise<ContainerExitedError> {
    const logs = placement ? await this.backend.logs(placement, 20).catch(() => "") : "";
    return new ContainerExitedError(placement?.exitCode ?? -1, logs.trim().slice(-500));
  }
}
