import { ImageMissingError, NameConflictError, WorkspaceError } from "../../errors/workspace-errors";
import type { ContainerRuntime } from "../../runtime/runtime";
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
  WorkspaceBackend,
  WorkspaceChange,
  WorkspaceSpec,
} from "../backend";
import { LABEL } from "../labels";
import { workspaceName } from "../names";
import { toContainerSpec } from "./container-spec";
import { toPlacement } from "./placement";

export interface DockerBackendSettings {
  /** This portal's instance label: its workspaces, networks and copy containers carry it. */
  instance: string;
  namePrefix: string;
  /** The bridge network workspaces share (inter-container traffic off). */
  network: string;
}

const WHAT: Record<"create" | "start" | "die" | "destroy", "created" | "started" | "stopped" | "removed"> = {
  create: "created",
  start: "started",
  die: "stopped",
  destroy: "removed",
};

/**
 * Workspaces on the one Docker engine beside the portal: a container per workspace, named by its slug, stopped and
 * started in place (its writable layer kept), reached at its address on a bridge network this host routes to.
 * Being alone on its host, it makes what it needs there: the network on first use, the never started containers
 * images are read through. (A cluster's network is infrastructure its backend only checks for.)
 */
export class DockerBackend implements WorkspaceBackend {
  readonly kind = "docker" as const;
  readonly enforces: Enforcement = { pidsLimit: true, swapLimit: true, noNewPrivileges: true };

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly settings: DockerBackendSettings,
  ) {}

  get endpoint(): string {
    return this.runtime.endpoint;
  }

  ping(): Promise<void> {
    return this.runtime.ping();
  }

  imageId(ref: string): Promise<string | null> {
    return this.runtime.imageId(ref);
  }

  missingImage(ref: string): WorkspaceError {
    return new ImageMissingError(ref);
  }

  copyFromImage(image: string, path: string, into: string): Promise<boolean> {
    return this.runtime.copyFromImage(image, path, into, { [LABEL.imageCopy]: "true", [LABEL.instance]: this.settings.instance });
  }

  async ensure(spec: WorkspaceSpec, beforeMake: () => Promise<void> = async () => {}): Promise<Ensured> {
    const name = this.nameOf(spec.slug);
    const wanted = toContainerSpec(spec, name, this.settings.network);
    const existing = await this.runtime.inspect(name);
    // Never made anew on someone else's behalf: the manager refuses such a name before it gets here, and a
    // container that took the name since is left for it to refuse again.
    if (existing && existing.labels[LABEL.ownerSub] !== spec.labels[LABEL.ownerSub]) throw new NameConflictError(existing.name);
    if (existing && (existing.status === "running" || existing.labels[LABEL.spec] === wanted.labels[LABEL.spec])) {
      return { placement: toPlacement(existing, spec.slug), made: null };
    }
    await beforeMake();
    // Stopped on an older image or other limits: made anew; the home directory carries the user's files over.
    if (existing) await this.runtime.remove(existing.id);
    const network = await this.network();
    let id: string;
    try {
      id = await this.runtime.create({ ...wanted, network });
    } catch (error) {
      const raced = await this.find(spec.slug); // a second portal process may have made it a moment ago
      if (raced) return { placement: raced, made: null };
      throw error;
    }
    const created = await this.runtime.inspect(id);
    if (!created) throw new WorkspaceError("runtime_error", "The workspace container vanished right after creation.");
    return { placement: toPlacement(created, spec.slug), made: existing ? "replaced" : "created" };
  }

  start(slug: string): Promise<void> {
    return this.runtime.start(this.nameOf(slug));
  }

  stop(slug: string, timeoutSeconds: number): Promise<void> {
    return this.runtime.stop(this.nameOf(slug), timeoutSeconds);
  }

  remove(slug: string): Promise<void> {
    return this.runtime.remove(this.nameOf(slug));
  }

  async find(slug: string): Promise<Placement | null> {
    const container = await this.runtime.inspect(this.nameOf(slug));
    return container && toPlacement(container, slug);
  }

  async list(labels: Record<string, string>): Promise<Placement[]> {
    return (await this.runtime.list(labels)).map((c) => toPlacement(c, c.labels[LABEL.slug] ?? ""));
  }

  exec(at: RunningAt, options: ExecOptions): Promise<ExecProcess> {
    return this.runtime.exec(at.instanceId, options);
  }

  spawn(at: RunningAt, options: SpawnOptions): Promise<void> {
    return this.runtime.spawn(at.instanceId, options);
  }

  stats(at: RunningAt): Promise<ContainerStats> {
    return this.runtime.stats(at.instanceId);
  }

  usage(at: RunningAt): Promise<ContainerUsage> {
    return this.runtime.usage(at.instanceId);
  }

  processes(at: RunningAt): Promise<ContainerProcess[]> {
    return this.runtime.processes(at.instanceId);
  }

  logs(at: Placement, tailLines: number): Promise<string> {
    return this.runtime.logs(at.instanceId ?? at.name, tailLines);
  }

  watch(onChange: (change: WorkspaceChange) => void): () => void {
    return this.runtime.events({ [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance }, (event) => {
      if (!event) return onChange({ kind: "resync" });
      const slug = event.attributes[LABEL.slug];
      if (slug) onChange({ kind: "workspace", slug, what: WHAT[event.action] });
    }, () => onChange({ kind: "lost" }));
  }

  async hostBridge(): Promise<string> {
    return this.runtime.bridgeOf(await this.network());
  }

  /** The workspaces' network, made when missing (one creation in flight per name in this process); its id. */
  private network(): Promise<string> {
    return this.runtime.ensureNetwork(this.settings.network, { [LABEL.managed]: "true", [LABEL.instance]: this.settings.instance });
  }

  private nameOf(slug: string): string {
    return workspaceName(this.settings.namePrefix, slug);
  }
}
