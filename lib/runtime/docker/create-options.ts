import type Docker from "dockerode";
import type { ContainerSpec } from "../runtime";

/**
 * The hardening every workspace gets, whatever the image: an unprivileged user, no privilege escalation, no
 * capabilities (the workspace user needs none), an init process that reaps zombies, hard resource limits, and a
 * read-only root with bounded scratch space.
 */
export function toCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  return {
    name: spec.name,
    Image: spec.image,
    Hostname: spec.hostname,
    Labels: spec.labels,
    Cmd: spec.cmd,
    User: spec.user,
    WorkingDir: spec.workdir,
    Env: spec.env,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Binds: spec.binds.map((b) => `${b.source}:${b.target}${b.readOnly ? ":ro" : ""}`),
      // Nothing a user runs can fill the host's disk through the container's own layer: it is read-only, and
      // the places programs expect to write to are tmpfs of a bounded size.
      ReadonlyRootfs: true,
      Tmpfs: Object.fromEntries(spec.scratch.map((s) => [s.path, `rw,exec,nosuid,nodev,mode=1777,size=${s.bytes}`])),
      Memory: spec.limits.memoryBytes,
      MemorySwap: spec.limits.memoryBytes, // no swap beyond the memory limit
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      PidsLimit: spec.limits.pids,
      Init: true,
      Privileged: false,
      SecurityOpt: ["no-new-privileges:true"],
      CapDrop: ["ALL"],
      NetworkMode: spec.network,
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "2" } },
    },
  };
}
