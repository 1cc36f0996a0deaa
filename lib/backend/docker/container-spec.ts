import { createHash } from "node:crypto";
import type { ContainerSpec } from "../../runtime/runtime";
import type { WorkspaceSpec } from "../backend";
import { LABEL } from "../labels";

/**
 * The container a workspace spec makes on one Docker host, on the network named `network`. Its `spec` label is a
 * fingerprint of what the container is made with (image, command, limits, network, uid, scratch space, the /proc
 * views): a stopped container whose label differs from the wanted one is made anew.
 */
export function toContainerSpec(spec: WorkspaceSpec, name: string, network: string): ContainerSpec {
  const { memoryBytes, cpus, pids } = spec.limits;
  const base = {
    image: spec.image.ref,
    cmd: spec.cmd,
    limits: { memoryBytes, cpus, pids },
    network,
    uid: spec.user.uid,
    scratch: spec.scratch.map(({ path, bytes }) => ({ path, bytes })),
  };
  // Containers made by earlier portals carry this very fingerprint: its fields and their order stay as they are,
  // or every stopped workspace would be made anew once. The identity files are not in it (the same paths, written
  // in place); LXCFS's /proc views are, by target.
  const proc = spec.files.filter((f) => f.target.startsWith("/proc/")).map((f) => f.target);
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ ...base, imageId: spec.image.id, proc }))
    .digest("hex")
    .slice(0, 16);
  return {
    name,
    image: base.image,
    hostname: spec.hostname,
    labels: { ...spec.labels, [LABEL.spec]: fingerprint },
    cmd: base.cmd,
    user: `${spec.user.uid}:${spec.user.gid}`,
    workdir: spec.workdir,
    env: spec.env,
    binds: [{ source: spec.home.path, target: spec.home.target }, ...spec.files.map((f) => ({ ...f, readOnly: true }))],
    scratch: base.scratch,
    limits: base.limits,
    network,
  };
}
