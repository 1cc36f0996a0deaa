import { createHash } from "node:crypto";
import path from "node:path";
import { WorkspaceError } from "../../errors/workspace-errors";
import type { WorkspaceSpec } from "../backend";
import { LABEL } from "../labels";

/** What a workspace's service needs beyond its spec: the cluster's own settings. */
export interface ServiceSettings {
  /** The swarm-scoped, node-local bridge network the workspaces join (infrastructure: never made here). */
  network: string;
  /** Where the shared homes volume is mounted on every node and portal host: every bind but LXCFS's is below it. */
  homesPath: string;
  /** Swarm placement constraints, e.g. node.role==worker. */
  constraints: string[];
  /** The share of the limits a node must have free (reserved) to take the workspace: 1 = all of it, 0 = none. */
  reserveFraction: number;
  stopTimeoutSeconds: number;
}

/** The Engine API 1.41 service spec, as far as the portal fills it in. */
export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: Record<string, unknown>;
    Resources: { Limits: Record<string, number>; Reservations: Record<string, number> };
    RestartPolicy: { Condition: "none" | "on-failure" | "any"; MaxAttempts?: number };
    Placement: { Constraints: string[] };
    Networks: { Target: string }[];
    LogDriver: { Name: string; Options: Record<string, string> };
    ForceUpdate?: number;
  };
  Mode: { Replicated: { Replicas: number } };
}

/**
 * The service a workspace spec makes: one replica when running, none when stopped, and the same hardening as a
 * container on one host as far as API 1.41 lets a service say it (the README's "Workspaces on a Swarm" says what
 * it cannot: a swap limit; no-new-privileges, which each node's engine sets for all its containers).
 */
export function toServiceSpec(spec: WorkspaceSpec, name: string, settings: ServiceSettings, replicas: 0 | 1): ServiceSpec {
  for (const bind of [{ source: spec.home.path, target: spec.home.target }, ...spec.files]) checkShared(bind, settings.homesPath);
  const { memoryBytes, cpus, pids } = spec.limits;
  const reserved = spec.reservations ?? {
    memoryBytes: Math.floor(memoryBytes * settings.reserveFraction),
    cpus: cpus * settings.reserveFraction,
  };
  const labels = { ...spec.labels, [LABEL.spec]: fingerprint(spec, settings) };
  return {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image.ref,
        Labels: labels,
        Command: spec.cmd,
        Hostname: spec.hostname,
        Env: spec.env,
        Dir: spec.workdir,
        User: `${spec.user.uid}:${spec.user.gid}`,
        Init: true,
        ReadOnly: true,
        CapabilityDrop: ["ALL"],
        StopGracePeriod: settings.stopTimeoutSeconds * 1e9,
        Mounts: [
          { Type: "bind", Source: spec.home.path, Target: spec.home.target },
          ...spec.files.map((f) => ({ Type: "bind", Source: f.source, Target: f.target, ReadOnly: true })),
          // API 1.41 takes a size and mode for a tmpfs, not its flags: the engine mounts it nosuid,nodev (and
          // noexec), where one host's /tmp allows exec.
          ...spec.scratch.map((s) => ({ Type: "tmpfs", Target: s.path, TmpfsOptions: { SizeBytes: s.bytes, Mode: 0o1777 } })),
        ],
      },
      Resources: {
        Limits: { NanoCPUs: Math.round(cpus * 1e9), MemoryBytes: memoryBytes, Pids: pids },
        Reservations: { NanoCPUs: Math.round(reserved.cpus * 1e9), MemoryBytes: reserved.memoryBytes },
      },
      // Never restarted by Swarm: a workspace whose first process ended (the OOM killer, an exit) stays ended and
      // says why, as on one host, instead of coming back after the restart delay as a new container that hides it
      // (conditions any and on-failure do that; none of them tells an exit from a lost node). A workspace whose node
      // was lost or fenced itself is started again elsewhere by the backend's keeper (moves.ts), at once: the
      // restart delay (5 s) would apply to a lost node too, and the lease keeps it to one ready copy.
      RestartPolicy: { Condition: "none" },
      Placement: { Constraints: settings.constraints },
      Networks: [{ Target: settings.network }],
      LogDriver: { Name: "json-file", Options: { "max-size": "1m", "max-file": "2" } },
    },
    Mode: { Replicated: { Replicas: replicas } },
  };
}

/**
 * What the service is made of (image, command, limits, reservations, placement, network, uid, scratch space, the
 * /proc views): a stopped service whose label differs from the wanted one is updated before it starts.
 */
function fingerprint(spec: WorkspaceSpec, settings: ServiceSettings): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        image: spec.image.ref,
        imageId: spec.image.id,
        cmd: spec.cmd,
        limits: spec.limits,
        reservations: spec.reservations ?? settings.reserveFraction,
        constraints: settings.constraints,
        network: settings.network,
        uid: spec.user.uid,
        scratch: spec.scratch,
        proc: spec.files.filter((f) => f.target.startsWith("/proc/")).map((f) => f.target),
      }),
    )
    .digest("hex")
    .slice(0, 16);
}

/**
 * A bind's source must be on the shared volume: a path only this portal host has would fail the task on every node
 * ("bind source path does not exist") or, worse, find another directory of that name there. LXCFS's /proc views
 * are the exception: each node serves its own at the same path.
 */
function checkShared(bind: { source: string; target: string }, homesPath: string): void {
  if (bind.target.startsWith("/proc/")) return;
  const relative = path.relative(homesPath, bind.source);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new WorkspaceError(
      "runtime_error",
      `${bind.source} (bound at ${bind.target}) is not on the shared homes volume ${homesPath}: set DATA_ROOT inside SWARM_HOMES_PATH, so every node sees the same files.`,
    );
  }
}
