import type Docker from "dockerode";
import type { Logger } from "pino";
import { NameConflictError, StartTimeoutError, WorkspaceError } from "../../errors/workspace-errors";
import { isNotFound, statusOf, translate } from "../../runtime/docker/errors";
import type { DockerRuntime } from "../../runtime/docker/docker-runtime";
import type {
  ContainerProcess,
  ContainerStats,
  ContainerUsage,
  Enforcement,
  Ensured,
  ExecOptions,
  ExecProcess,
  Placement,
  RunningAt,
  SpawnOptions,
  StartOptions,
  WorkspaceBackend,
  WorkspaceChange,
  WorkspaceSpec,
} from "../backend";
import { LABEL, LABEL_PREFIX } from "../labels";
import { workspaceName } from "../names";
import { NodeEngines, type ClusterTls } from "./node-engines";
import { toServiceSpec, type ServiceSettings, type ServiceSpec } from "./service-spec";
import { isLive, newestTask, refusedByNode, viewOf, waitsForNode, type SwarmTask } from "./tasks";
import { imageNotInRegistry, refusal } from "./start-failure";
import { keepAsking, movesDue, type Move } from "./moves";
import { pollChanges } from "./watch";

export interface SwarmBackendSettings extends ServiceSettings {
  instance: string;
  namePrefix: string;
  /** The port every node's engine API listens on (mutual TLS, the same CA and client certificate as the manager's). */
  nodePort: number;
  tls: ClusterTls;
  /** How long a start may wait for a machine with room before it gives up (the portal's queue timeout). */
  capacityWaitMs: number;
  /** How long a placed workspace may take to run. */
  startTimeoutMs: number;
  /** Every node's engine runs with --no-new-privileges (Swarm cannot set it per service; Docker 20.10 does not say). */
  nodesNoNewPrivileges: boolean;
  /** How often `watch` asks the manager for its workspaces' tasks. */
  watchIntervalMs?: number;
}

/** Set on a service the first time it is started: its tasks go once stopped, and it must not look never started. */
const RAN_LABEL = `${LABEL_PREFIX}started-once`;
const POLL_MS = 200;
// A change is told at most this long after the manager knows it (a round is two calls, whatever the number).
const WATCH_MS = 1000;
// Swarm sees a stopped task gone ~3.4 s after the replica count drops (measured); this is the bound beyond the grace.
const STOP_MARGIN_MS = 30_000;
// How long a look at a running workspace waits for its node's engine to describe its container.
const NODE_LOOK_MS = 2000;

interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec & { Labels?: Record<string, string> };
  CreatedAt?: string;
  UpdatedAt?: string;
}

/**
 * Workspaces on a Docker Swarm: one replicated service per workspace, named as the container on one host, with one
 * replica while it runs and none while stopped; every start is a new container on whichever node has room, and only
 * the home (on the shared volume) carries over. Services, tasks and nodes come from the manager; a running
 * workspace's container, its address, exec, usage and logs from the engine of its node. The workspace network is
 * infrastructure (scripts/cluster): this backend only names it.
 */
export class SwarmBackend implements WorkspaceBackend {
  readonly kind = "swarm" as const;
  readonly enforces: Enforcement;
  private readonly docker: Docker;
  private readonly nodes: NodeEngines;

  constructor(
    private readonly manager: DockerRuntime,
    private readonly settings: SwarmBackendSettings,
  ) {
    this.docker = manager.client;
    this.nodes = new NodeEngines(this.docker, settings.tls, settings.nodePort);
    // API 1.41 has no swap limit for a service: with swap on a node, a workspace may swap as much again.
    this.enforces = { pidsLimit: true, swapLimit: false, noNewPrivileges: settings.nodesNoNewPrivileges };
  }

  get endpoint(): string {
    return this.manager.endpoint;
  }

  async ping(): Promise<void> {
    await this.manager.ping();
    const info = (await this.call("read the swarm's state", () => this.docker.info())) as { Swarm?: { ControlAvailable?: boolean } };
    if (!info.Swarm?.ControlAvailable) throw new WorkspaceError("runtime_error", `${this.endpoint} is not a swarm manager: set SWARM_MANAGER to a manager's engine.`);
    // The workspace network is the cluster's to declare (a config-only network on each node, one swarm-scoped on a
    // manager): the portal only checks it is there.
    const { network } = this.settings;
    const found = await this.call(`inspect network ${network}`, async () => {
      try {
        return (await this.docker.getNetwork(network).inspect()) as { Scope?: string };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
    if (found?.Scope !== "swarm") {
      throw new WorkspaceError(
        "runtime_error",
        `The swarm has no swarm-scoped network ${network} (SWARM_NETWORK): an operator declares it once the nodes' config-only networks exist (README "Workspaces on a Swarm").`,
      );
    }
  }

  /**
   * The digest the pinned reference names, once the registry (asked by the manager, never pulled) has it; null
   * when it does not. Nodes never pull at start: they run the image their engine holds by that digest.
   */
  async imageId(ref: string): Promise<string | null> {
    const pinned = /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
    if (!pinned) throw new WorkspaceError("image_missing", `WORKSPACE_IMAGE=${ref} is not pinned by digest: a swarm needs registry/name@sha256:<digest>.`);
    try {
      const found = (await this.docker.getImage(ref).distribution()) as { Descriptor?: { digest?: string } };
      return found.Descriptor?.digest === pinned ? pinned : null;
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 401 || statusOf(error) === 403) return null;
      throw translate(error, this.endpoint, `ask the registry about ${ref}`);
    }
  }

  /** Read through a node's engine that holds the image (the manager runs no workspaces, and may not hold it). */
  async copyFromImage(image: string, path: string, into: string): Promise<boolean> {
    const labels = { [LABEL.imageCopy]: "true", [LABEL.instance]: this.settings.instance };
    for (const node of (await this.call("list the swarm's nodes", () => this.nodes.refresh())).filter((n) => n.ready)) {
      const engine = await this.nodes.engine(node.name);
      if (await engine.imageId(image).catch(() => null)) return engine.copyFromImage(image, path, into, labels);
    }
    throw this.missingImage(image);
  }

  missingImage(ref: string): WorkspaceError {
    return imageNotInRegistry(ref, this.endpoint);
  }

  async ensure(spec: WorkspaceSpec, beforeMake: () => Promise<void> = async () => {}): Promise<Ensured> {
    const name = this.nameOf(spec.slug);
    const existing = await this.service(name);
    if (existing && existing.Spec.Labels?.[LABEL.ownerSub] !== spec.labels[LABEL.ownerSub]) throw new NameConflictError(name);
    const wanted = toServiceSpec(spec, name, this.settings, 0);
    if (existing) {
      const placement = await this.placementOf(existing);
      // Running or on its way (another portal process's start may wait for a node): a changed spec waits for the
      // next start, as a running container's does on one host.
      const busy = placement.state === "running" || placement.state === "starting" || placement.state === "pending";
      if (busy || existing.Spec.Labels?.[LABEL.spec] === wanted.Labels[LABEL.spec]) return { placement, made: null };
      await beforeMake();
      // Stopped, of an older image or other limits: its next task is made of the new spec (every start is a new
      // container anyway). No replica meanwhile: a service asked to run that ended (OOM) would otherwise start at
      // once on the update, before the start queue lets it; the mark that it ran stays.
      const ran = existing.Spec.Labels?.[RAN_LABEL];
      const labels = { ...wanted.Labels, ...(ran ? { [RAN_LABEL]: ran } : {}) };
      await this.update(existing, { ...wanted, Labels: labels });
      return { placement: await this.placementOf((await this.service(name))!), made: "replaced" };
    }
    await beforeMake();
    try {
      await this.call(`create service ${name}`, () => this.docker.createService(wanted as unknown as Docker.CreateServiceOptions));
    } catch (error) {
      const raced = await this.find(spec.slug); // a second portal process may have made it a moment ago
      if (raced) return { placement: raced, made: null };
      throw error;
    }
    const created = await this.service(name);
    if (!created) throw new WorkspaceError("runtime_error", `The workspace service ${name} vanished right after creation.`);
    return { placement: await this.placementOf(created), made: "created" };
  }

  async start(slug: string, options: StartOptions = {}): Promise<void> {
    const name = this.nameOf(slug);
    const service = await this.service(name);
    if (!service) throw new WorkspaceError("not_found", `There is no workspace service ${name} to start.`);
    const tasks = await this.tasks([service.ID]);
    if (tasks.some((t) => t.Status.State === "running" && t.DesiredState === "running")) return;
    const wasAsked = replicasOf(service) === 1;
    // On its way already (moved off a lost node, or started by another portal process): waited for, not made again.
    const coming = wasAsked ? tasks.find((t) => isLive(t) && t.DesiredState === "running") : undefined;
    if (coming) return this.placed(service.ID, name, new Set(tasks.filter((t) => t !== coming).map((t) => t.ID)), options);
    const spec = service.Spec;
    await this.update(service, {
      ...spec,
      Labels: { ...spec.Labels, [RAN_LABEL]: "true" },
      // Always forced. Already asked to run (its first process ended since), a new task is made only when forced; and
      // a scale-up while the last stop's task is still in its slot (desired "remove", not yet reaped: for seconds
      // after a stop) makes no task, then or when it is reaped (Docker 20.10, measured: the start waited out its 60 s).
      TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1 },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const old = new Set(tasks.map((t) => t.ID));
    await this.placed(service.ID, name, old, options);
  }

  /** Waits until the new task runs, ends, or is refused; a task no node has room for waits in its own line. */
  private async placed(serviceId: string, name: string, old: Set<string>, options: StartOptions): Promise<void> {
    const startDeadline = () => Date.now() + this.settings.startTimeoutMs;
    let deadline = startDeadline();
    let waitingSince: number | null = null;
    let told = "";
    for (;;) {
      const task = newestTask((await this.tasks([serviceId])).filter((t) => !old.has(t.ID)));
      if (task?.Status.State === "running") return;
      if (task && !isLive(task)) {
        if (refusedByNode(task)) {
          throw await this.refused(name, task);
        }
        return; // it ran and ended: `find` has its exit status, the manager says it
      }
      if (task && waitsForNode(task)) {
        waitingSince ??= Date.now();
        const reason = task.Status.Err ?? "no suitable node";
        if (reason !== told) options.onWaiting?.((told = reason));
        if (Date.now() - waitingSince > this.settings.capacityWaitMs || options.signal?.aborted) {
          // Nobody waits for it any more: it must not start later, unseen, and hold a machine's room.
          await this.stop(name.slice(this.settings.namePrefix.length), 0).catch(() => undefined);
          if (options.signal?.aborted) throw new WorkspaceError("runtime_error", "The start was cancelled.");
          throw new WorkspaceError(
            "capacity",
            `No machine of the swarm had room for your workspace (${reason}), so it could not start. Try again later; your files are safe.`,
          );
        }
        deadline = startDeadline(); // the start's own time counts from its placement
      } else if (waitingSince !== null) {
        waitingSince = null;
      }
      if (Date.now() > deadline) throw new StartTimeoutError(this.settings.startTimeoutMs / 1000, await this.whereItWaits(task));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Where a start that timed out got to: the operator's first question. */
  private async whereItWaits(task: SwarmTask | undefined): Promise<string> {
    if (!task) return "the swarm made no task for it";
    const node = await this.nodeNameOf(task, "no node yet");
    const said = task.Status.Err ?? task.Status.Message;
    return `its task was "${task.Status.State}" on ${node}${said ? `: ${said}` : ""}`;
  }

  /** Why a node refused the workspace: what and where. */
  private async refused(name: string, task: SwarmTask): Promise<WorkspaceError> {
    return refusal(task, await this.nodeNameOf(task, "a node"), name, this.settings.homesPath);
  }

  /** The name of the task's node for a message (its id when the manager cannot say; `none` when it has none yet). */
  private async nodeNameOf(task: SwarmTask, none: string): Promise<string> {
    if (!task.NodeID) return none;
    return (await this.nodes.byId(task.NodeID).catch(() => null))?.name ?? task.NodeID;
  }

  async stop(slug: string, timeoutSeconds: number): Promise<void> {
    const name = this.nameOf(slug);
    // Read again and asked again when another writer (the keeper, another portal process) updated it in between.
    let service = await this.service(name);
    for (let attempt = 1; service && replicasOf(service) !== 0; attempt++) {
      try {
        await this.update(service, { ...service.Spec, Mode: { Replicated: { Replicas: 0 } } });
        break;
      } catch (error) {
        if (attempt >= 5 || !String((error as Error).message).includes("update out of sequence")) throw error;
        service = await this.service(name);
      }
    }
    if (!service) return;
    // Stopped once no task of it may still run: the manager sees its container gone some seconds after the node.
    const limitMs = Math.max(timeoutSeconds, this.settings.stopTimeoutSeconds) * 1000 + STOP_MARGIN_MS;
    const deadline = Date.now() + limitMs;
    // A task on a lost node stays "running" at the manager for as long as the node is gone: it runs nowhere.
    const runs = async (t: SwarmTask) => isLive(t) && (!t.NodeID || (await this.nodes.current()).get(t.NodeID)?.ready !== false);
    const anyRuns = async () => (await Promise.all((await this.tasks([service.ID])).map(runs))).some(Boolean);
    while (await anyRuns()) {
      if (Date.now() > deadline) throw new WorkspaceError("runtime_error", `Workspace ${name} did not stop on its node within ${limitMs / 1000} s; its node may be lost.`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async remove(slug: string): Promise<void> {
    const name = this.nameOf(slug);
    await this.call(`remove service ${name}`, async () => {
      try {
        await this.docker.getService(name).remove();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  async find(slug: string): Promise<Placement | null> {
    const service = await this.service(this.nameOf(slug));
    return service && this.placementOf(service);
  }

  list(labels: Record<string, string>): Promise<Placement[]> {
    return this.listed(labels, true);
  }

  /** With `fromNodes`, each running workspace's node is asked for its address and start time (one call each). */
  private async listed(labels: Record<string, string>, fromNodes: boolean): Promise<Placement[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const services = (await this.call("list services", () => this.docker.listServices({ filters: { label } }))) as unknown as ServiceInfo[];
    if (services.length === 0) return [];
    const tasks = await this.tasks(services.map((s) => s.ID));
    return Promise.all(services.map((s) => this.placementOf(s, tasks.filter((t) => t.ServiceID === s.ID), fromNodes)));
  }

  async exec(at: RunningAt, options: ExecOptions): Promise<ExecProcess> {
    return (await this.engineOf(at)).exec(at.instanceId, options);
  }

  async spawn(at: RunningAt, options: SpawnOptions): Promise<void> {
    return (await this.engineOf(at)).spawn(at.instanceId, options);
  }

  async stats(at: RunningAt): Promise<ContainerStats> {
    return (await this.engineOf(at)).stats(at.instanceId);
  }

  async usage(at: RunningAt): Promise<ContainerUsage> {
    return (await this.engineOf(at)).usage(at.instanceId);
  }

  async processes(at: RunningAt): Promise<ContainerProcess[]> {
    return (await this.engineOf(at)).processes(at.instanceId);
  }

  /** From its node's engine: the container of its newest task is kept there after it ended, until Swarm prunes it. */
  async logs(at: Placement, tailLines: number): Promise<string> {
    if (!at.node || !at.instanceId) return "";
    return (await this.nodes.engine(at.node)).logs(at.instanceId, tailLines);
  }

  /**
   * Polls the manager: API 1.41 tells no task events (a container that ends on a worker is an event of that worker's
   * engine only, and a lost worker tells nothing at all), while one task list answers for every node at once. Each
   * new instance (a new task, a rescheduled one) is told as a start of its workspace; a round that fails tells the
   * changes lost, the next that succeeds a resync.
   */
  watch(onChange: (change: WorkspaceChange) => void): () => void {
    const labels = { [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance };
    // State and container come from the manager alone: a round costs two calls, however many workspaces run.
    return pollChanges(() => this.listed(labels, false), onChange, this.settings.watchIntervalMs ?? WATCH_MS);
  }

  /**
   * Starts again, elsewhere, every workspace of this portal the swarm took away while it was asked to run: its node
   * was lost (the manager shuts its task down once it marks the node down, and restart condition none makes no
   * other) or drained, or the node's watchdog stopped it (NODE_FENCE). One whose first process ended by itself (an
   * exit, the OOM killer) is left ended. Asks the manager every `watchIntervalMs` (three calls a round, however many
   * workspaces) until the returned function is called; several portal processes may keep at once (each move is an
   * update at the service's version: one of them makes it).
   */
  keep(log: Logger): () => void {
    const handled = new Set<string>();
    const labels = [`${LABEL.managed}=true`, `${LABEL.instance}=${this.settings.instance}`];
    const round = async () => {
      const services = (await this.docker.listServices({ filters: { label: labels } })) as unknown as ServiceInfo[];
      if (services.length === 0) return;
      const [tasks, nodes] = await Promise.all([this.tasks(services.map((s) => s.ID)), this.nodes.current(0)]);
      const seen = services.map((s) => ({ id: s.ID, name: s.Spec.Name, replicas: replicasOf(s), tasks: tasks.filter((t) => t.ServiceID === s.ID) }));
      for (const move of movesDue(seen, nodes, handled)) {
        handled.add(move.taskId);
        await this.move(move, services.find((s) => s.ID === move.serviceId)!).then(
          () => log.warn({ workspace: move.name, task: move.taskId, why: move.why }, "workspace moved: started again elsewhere"),
          (error: unknown) => {
            handled.delete(move.taskId); // asked again next round (another portal process may have moved it)
            log.info({ workspace: move.name, err: error }, "workspace move not made this round");
          },
        );
      }
      for (const id of handled) if (!tasks.some((t) => t.ID === id)) handled.delete(id);
    };
    return keepAsking(round, this.settings.watchIntervalMs ?? WATCH_MS, (error) => log.debug({ err: error }, "swarm keeper round failed"));
  }

  /** A new task of the workspace, placed wherever the swarm has room (the old one's node is lost or refuses it). */
  private move(move: Move, service: ServiceInfo): Promise<void> {
    const spec = service.Spec;
    return this.update(service, { ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1 } });
  }

  private async engineOf(at: RunningAt) {
    if (!at.node) throw new WorkspaceError("runtime_error", `The swarm did not say which node runs workspace ${at.slug}.`);
    return this.nodes.engine(at.node);
  }

  /**
   * The service's state from its tasks, completed from its node's engine: the container's id and address (a task
   * carries neither for a node-local network), and whether the OOM killer ended it.
   */
  private async placementOf(service: ServiceInfo, known?: SwarmTask[], fromNodes = true): Promise<Placement> {
    const tasks = known ?? (await this.tasks([service.ID]));
    const labels = service.Spec.Labels ?? {};
    const nodes = await this.call("list the swarm's nodes", () => this.nodes.current());
    const view = viewOf(replicasOf(service), tasks, labels[RAN_LABEL] === "true", nodes);
    const placement: Placement = {
      slug: labels[LABEL.slug] ?? service.Spec.Name.slice(this.settings.namePrefix.length),
      name: service.Spec.Name,
      labels,
      state: view.state,
      ...(view.reason ? { reason: view.reason } : {}),
      ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
    };
    const task = view.task;
    if (!task) return placement;
    const node = task.NodeID ? (nodes.get(task.NodeID) ?? null) : null;
    if (node) placement.node = node.name;
    if (task.Status.Timestamp && view.state !== "running" && view.state !== "starting" && view.state !== "pending") placement.stoppedAt = new Date(task.Status.Timestamp);
    const containerId = task.Status.ContainerStatus?.ContainerID;
    if (!containerId || !node) return placement;
    placement.instanceId = containerId;
    if (!fromNodes || (view.state !== "running" && view.state !== "stopped")) return placement;
    // A node that died a moment ago is still "ready" at the manager for some seconds: a look at a workspace does
    // not wait on it longer than this (it then says what the manager says, without the address).
    const container = await Promise.race([
      (await this.nodes.engine(node.name)).inspect(containerId).catch(() => null),
      new Promise<null>((r) => setTimeout(r, NODE_LOOK_MS, null).unref()),
    ]);
    if (!container) return placement;
    if (container.startedAt) placement.startedAt = container.startedAt;
    if (view.state === "running") {
      const address = container.ipAddress;
      if (address) placement.address = address;
    } else {
      placement.oomKilled = container.oomKilled && container.exitCode !== 0;
    }
    return placement;
  }

  private async service(name: string): Promise<ServiceInfo | null> {
    return this.call(`inspect service ${name}`, async () => {
      try {
        return (await this.docker.getService(name).inspect()) as ServiceInfo;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  private tasks(serviceIds: string[]): Promise<SwarmTask[]> {
    return this.call("list tasks", async () => (await this.docker.listTasks({ filters: { service: serviceIds } })) as SwarmTask[]);
  }

  /** Updates the service at the version it was read at; Swarm refuses an update of an older version. */
  private update(service: ServiceInfo, spec: ServiceSpec): Promise<void> {
    return this.call(`update service ${service.Spec.Name}`, async () => {
      await this.docker.getService(service.ID).update({ ...spec, version: service.Version.Index } as never);
    });
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(error, this.endpoint, action);
    }
  }

  private nameOf(slug: string): string {
    return workspaceName(this.settings.namePrefix, slug);
  }
}

function replicasOf(service: ServiceInfo): number {
  return service.Spec.Mode?.Replicated?.Replicas ?? 0;
}
