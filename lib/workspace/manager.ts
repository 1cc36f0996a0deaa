import type { Logger } from "pino";
import type { RegisteredUser, UserRegistry } from "../identity/registry";
import { validateUser, type PortalUser } from "../identity/user";
import type { ContainerInfo, ContainerRuntime, ContainerStats, ExecOptions, ExecProcess } from "../runtime/runtime";
import { KeyedMutex } from "../util/keyed-mutex";
import {
  ContainerExitedError,
  ImageMissingError,
  isWorkspaceError,
  NameConflictError,
  StartTimeoutError,
  WorkspaceError,
  WorkspaceNotFoundError,
} from "../errors/workspace-errors";
import { deleteHome, ensureHome } from "./home";
import { WorkspaceIdentities } from "./identity-files";
import type { Place, StartGate } from "./start-gate";
import { LABEL } from "./labels";
import { containerName, workspaceSpec, WORKSPACE_HOME } from "./spec";
import { describeContainer } from "./status";
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
  runtime: ContainerRuntime;
  registry: UserRegistry;
  settings: WorkspaceSettings;
  log: Logger;
  /** Every change of state, for the audit log and metrics: one place that sees all doors' starts and stops. */
  onEvent?: (event: WorkspaceEvent) => void;
  /** The cap on running workspaces; without one, any number may run. */
  gate?: StartGate;
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
 * each call asks the engine, so a restarted portal carries on with whatever containers exist.
 */
export class WorkspaceManager {
  private readonly locks = new KeyedMutex();
  private readonly runtime: ContainerRuntime;
  private readonly registry: UserRegistry;
  readonly settings: WorkspaceSettings;
  private readonly log: Logger;
  private readonly onEvent: (event: WorkspaceEvent) => void;
  private readonly gate: StartGate | null;
  private readonly limitsFor: (user: RegisteredUser) => WorkspaceLimits;
  private readonly beforeStart: (user: RegisteredUser) => Promise<void>;
  private readonly identities: WorkspaceIdentities;
  private readonly homeReady: (user: RegisteredUser, home: string, uid: number) => Promise<void>;

  constructor(deps: WorkspaceManagerDeps) {
    this.runtime = deps.runtime;
    this.registry = deps.registry;
    this.settings = deps.settings;
    this.log = deps.log;
    this.onEvent = deps.onEvent ?? (() => {});
    this.gate = deps.gate ?? null;
    this.limitsFor = deps.limitsFor ?? (() => this.settings.limits);
    this.beforeStart = deps.beforeStart ?? (async () => {});
    this.homeReady = deps.homeReady ?? (async () => {});
    this.identities = new WorkspaceIdentities(this.runtime, this.settings.dataRoot, {
      [LABEL.imageCopy]: "true",
      [LABEL.instance]: this.settings.instance,
    });
  }

  /** The user's container, created (not started) if they have none. */
  async getOrCreate(input: PortalUser, onProgress: ProgressListener = () => {}): Promise<ContainerInfo> {
    const user = this.register(input);
    return this.locks.run(user.sub, async () => this.getOrCreateLocked(user, onProgress, await this.find(user)));
  }

  /** Creates or starts the workspace as needed and resolves once a shell can run in it. */
  async ensureRunning(input: PortalUser, onProgress: ProgressListener = () => {}, signal?: AbortSignal): Promise<WorkspaceStatus> {
    const user = this.register(input);
    // The place in line is taken now, when the user asks: finding or creating the container takes a time that
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
    if (found?.status === "running") {
      // The hot path: one inspect, nothing to wait for (a shell that cannot start fails on its own exec).
      onProgress({ step: "ready", message: "Your workspace is ready" });
      return this.statusOf(user, found);
    }
    await this.beforeStart(user);
    const container = await this.getOrCreateLocked(user, onProgress, found);
    if (container.status !== "running") {
      const uid = this.uidOf(user);
      await this.homeReady(user, await ensureHome(this.settings.dataRoot, user.slug, uid), uid);
      const release = await this.waitForSlot(place, onProgress, signal);
      try {
        onProgress({ step: "starting", message: "Starting your workspace" });
        await this.startChecked(container, user);
      } finally {
        release();
      }
      this.emit({ type: "started", user, ms: Date.now() - started });
    }
    onProgress({ step: "ready", message: "Your workspace is ready" });
    this.log.info({ user: user.username, slug: user.slug, ms: Date.now() - started }, "workspace ready");
    return this.statusOf(user, await this.runtime.inspect(container.id));
  }

  async stop(input: PortalUser, cause: StopCause = "user", detail?: StopDetail): Promise<WorkspaceStatus> {
    const user = this.register(input);
    return this.locks.run(user.sub, async () => {
      const container = await this.find(user);
      if (!container) throw new WorkspaceNotFoundError(user.username);
      const wasRunning = container.status === "running";
      if (wasRunning) this.emit({ type: "stopping", user, cause, ...(detail ? { detail } : {}) });
      try {
        await this.runtime.stop(container.id, this.settings.stopTimeoutSeconds);
      } catch (error) {
        if (wasRunning) this.emit({ type: "stop-failed", user });
        throw error;
      }
      this.log.info({ user: user.username, slug: user.slug, cause }, "workspace stopped");
      if (wasRunning) this.emit({ type: "stopped", user, cause, ...(detail ? { detail } : {}) });
      return this.statusOf(user, await this.runtime.inspect(container.id));
    });
  }

  /** Removes the container; the home directory on the host is kept unless `deleteHome` says otherwise. */
  async remove(input: PortalUser, options: { deleteHome?: boolean } = {}): Promise<void> {
    const user = this.register(input);
    await this.locks.run(user.sub, async () => {
      const container = await this.find(user);
      if (container) await this.runtime.remove(container.id);
      if (options.deleteHome) await deleteHome(this.settings.dataRoot, user.slug);
      this.log.info({ user: user.username, slug: user.slug, homeDeleted: options.deleteHome === true }, "workspace removed");
      this.emit({ type: "removed", user });
    });
  }

  /** CPU, memory and process count of a running workspace. */
  async stats(input: PortalUser): Promise<ContainerStats | null> {
    const container = await this.find(this.known(input));
    return container?.status === "running" ? this.runtime.stats(container.id) : null;
  }

  async status(input: PortalUser): Promise<WorkspaceStatus> {
    const user = this.known(input);
    const status = this.statusOf(user, await this.find(user));
    return this.locks.isBusy(user.sub) && status.state !== "running" ? { ...status, state: "starting" } : status;
  }

  /** Every workspace of this portal instance, whether or not its owner is known to this database. */
  async list(): Promise<WorkspaceStatus[]> {
    const containers = await this.runtime.list({ [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance });
    return containers.map((c) =>
      describeContainer(c, {
        sub: c.labels[LABEL.ownerSub] ?? "",
        username: c.labels[LABEL.username] ?? "?",
        slug: c.labels[LABEL.slug] ?? "?",
      }),
    );
  }

  /** The host uid the user's workspace runs as: theirs alone, and no host account's. */
  uidOf(user: RegisteredUser): number {
    return this.settings.uidBase + this.registry.uidIndex(user.sub);
  }

  /** `uid:gid` for Docker: with a uid alone an exec would run in group 0. */
  private userOf(user: RegisteredUser): string {
    const uid = this.uidOf(user);
    return `${uid}:${uid}`;
  }

  /** The workspaces' network (made if missing); its id. */
  network(): Promise<string> {
    return this.runtime.ensureNetwork(this.settings.network, { [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance });
  }

  /** The host interface of the workspaces' network, for the host firewall. */
  async bridge(): Promise<string> {
    return this.runtime.bridgeOf(await this.network());
  }

  /** Runs a process in the user's running workspace, as the workspace user in their home unless told otherwise. */
  async exec(input: PortalUser, options: ExecOptions): Promise<ExecProcess> {
    const user = this.register(input);
    const container = await this.runningContainer(user);
    return this.runtime.exec(container.id, { user: this.userOf(user), workdir: WORKSPACE_HOME, ...options });
  }

  /** Starts a long-lived process (a server such as code-server) in the user's running workspace. */
  async spawn(input: PortalUser, options: Omit<ExecOptions, "tty" | "stdin" | "cols" | "rows">): Promise<void> {
    const user = this.register(input);
    const container = await this.runningContainer(user);
    await this.runtime.spawn(container.id, { user: this.userOf(user), workdir: WORKSPACE_HOME, ...options });
  }

  private async runningContainer(user: RegisteredUser): Promise<ContainerInfo> {
    const container = await this.find(user);
    if (!container) throw new WorkspaceNotFoundError(user.username);
    if (container.status !== "running") {
      throw new WorkspaceError("not_found", `The workspace of ${user.username} is not running. Open it to start it.`);
    }
    return container;
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

  private emit(event: WorkspaceEvent): void {
    if (event.type === "stopped" || event.type === "removed") this.gate?.kick();
    try {
      this.onEvent(event);
    } catch (error) {
      this.log.error({ err: error, event: event.type }, "workspace event listener failed");
    }
  }

  private register(input: PortalUser): RegisteredUser {
    return this.registry.register(validateUser(input));
  }

  /**
   * The user as recorded, for the questions pages and polls ask: those record nothing, so a stale session's old
   * name is never written back. Only an account this database has never seen (its data directory replaced under
   * a live session) is recorded here, because a status needs the slug that names the container.
   */
  private known(input: PortalUser): RegisteredUser {
    const user = validateUser(input);
    return this.registry.bySub(user.sub) ?? this.registry.register(user);
  }

  private async find(user: RegisteredUser): Promise<ContainerInfo | null> {
    const container = await this.runtime.inspect(containerName(this.settings, user.slug));
    if (container && container.labels[LABEL.ownerSub] !== user.sub) throw new NameConflictError(container.name);
    return container;
  }

  private statusOf(user: RegisteredUser, container: ContainerInfo | null): WorkspaceStatus {
    if (!container) {
      return {
        state: "none",
        sub: user.sub,
        username: user.username,
        slug: user.slug,
        containerName: containerName(this.settings, user.slug),
      };
    }
    return describeContainer(container, user);
  }

  private async getOrCreateLocked(
    user: RegisteredUser,
    onProgress: ProgressListener,
    existing: ContainerInfo | null,
  ): Promise<ContainerInfo> {
    onProgress({ step: "checking", message: "Checking your workspace" });
    const imageId = await this.runtime.imageId(this.settings.image);
    if (existing && (existing.status === "running" || !imageId || this.isCurrent(existing, user, imageId))) {
      return existing;
    }
    if (!imageId) throw new ImageMissingError(this.settings.image);
    if (existing) {
      // Stopped on an older image or other limits: re-create it; the home directory carries the user's files over.
      this.log.info({ user: user.username, slug: user.slug }, "re-creating workspace with the current image and limits");
      await this.runtime.remove(existing.id);
    }
    onProgress({ step: "creating", message: "Creating your workspace" });
    const uid = this.uidOf(user);
    const home = await ensureHome(this.settings.dataRoot, user.slug, uid);
    const files = await this.identities.filesFor(this.settings.image, imageId, user.slug, uid);
    const networkId = await this.network();
    const spec = { ...workspaceSpec(this.settings, user, home, imageId, this.limitsFor(user), { uid, files }), network: networkId };
    let id: string;
    try {
      id = await this.runtime.create(spec);
    } catch (error) {
      const raced = await this.find(user); // a second portal process may have created it a moment ago
      if (raced) return raced;
      throw error;
    }
    this.log.info({ user: user.username, slug: user.slug, container: spec.name }, "workspace created");
    this.emit({ type: "created", user });
    const created = await this.runtime.inspect(id);
    if (!created) throw new WorkspaceError("runtime_error", "The workspace container vanished right after creation.");
    return created;
  }

  private isCurrent(container: ContainerInfo, user: RegisteredUser, imageId: string): boolean {
    const wanted = workspaceSpec(this.settings, user, "", imageId, this.limitsFor(user), { uid: this.uidOf(user), files: null }).labels[LABEL.spec];
    return container.labels[LABEL.spec] === wanted;
  }

  private async startChecked(container: ContainerInfo, user: RegisteredUser): Promise<void> {
    const neverStarted = container.status === "created";
    try {
      await this.runtime.start(container.id);
      const after = await this.runtime.inspect(container.id);
      if (after && after.status !== "running") {
        const logs = await this.runtime.logs(container.id, 20).catch(() => "");
        throw new ContainerExitedError(after.exitCode, logs.trim().slice(-500));
      }
      await this.waitForShell(container.id, this.userOf(user));
    } catch (error) {
      // A container that never ran holds nothing of the user's: take it away rather than leave it half made.
      if (neverStarted) await this.runtime.remove(container.id).catch(() => undefined);
      this.log.warn({ user: user.username, slug: user.slug, err: error }, "workspace failed to start");
      throw error;
    }
  }

  /** A workspace is ready when the engine can run a process in it as the workspace user. */
  private async waitForShell(id: string, user: string): Promise<void> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    for (;;) {
      try {
        const probe = await this.runtime.exec(id, { cmd: ["true"], tty: false, user });
        if ((await probe.wait()) === 0) return;
      } catch (error) {
        const info = await this.runtime.inspect(id);
        if (!info || info.status !== "running") {
          const logs = await this.runtime.logs(id, 20).catch(() => "");
          throw new ContainerExitedError(info?.exitCode ?? -1, logs.trim().slice(-500));
        }
        if (!isWorkspaceError(error) || error.code !== "runtime_error") throw error;
      }
      if (Date.now() > deadline) throw new StartTimeoutError(this.settings.startTimeoutMs / 1000);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
