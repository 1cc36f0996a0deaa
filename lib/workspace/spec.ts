import { createHash } from "node:crypto";
import type { WorkspaceLimits } from "../config/env";
import type { RegisteredUser } from "../identity/registry";
import type { ContainerSpec } from "../runtime/runtime";
import { LABEL } from "./labels";
import type { WorkspaceSettings } from "./types";

export const WORKSPACE_USER = "user";
export const WORKSPACE_HOME = "/home/user";
const SCRATCH_DIRS = ["/tmp", "/var/tmp", "/run/lock"];

// PID 2 under the init: sleeps forever, and leaves at once on SIGTERM so a stop takes milliseconds, not the timeout.
// The images' CMDs spell the same command (tests/unit/keepalive-command.test.ts holds them to it).
export const KEEPALIVE_CMD = ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"];

export function containerName(settings: Pick<WorkspaceSettings, "namePrefix">, slug: string): string {
  return `${settings.namePrefix}${slug}`;
}

/** The container a user's workspace should be; `spec` label changes whenever a re-create is needed. */
export function workspaceSpec(
  settings: WorkspaceSettings,
  user: RegisteredUser,
  home: string,
  imageId: string,
  limits: WorkspaceLimits = settings.limits,
  identity: { uid: number; files: { passwd: string; group: string } | null } = { uid: 1000, files: null },
): ContainerSpec {
  const base = {
    image: settings.image,
    cmd: KEEPALIVE_CMD,
    limits,
    network: settings.network,
    uid: identity.uid,
    // The image's world-writable directories: with the root read-only, these are where programs may scribble.
    scratch: SCRATCH_DIRS.map((path) => ({ path, bytes: settings.tmpBytes })),
  };
  const fingerprint = createHash("sha256")
    // The /proc files bound from LXCFS are part of what the container is: it is re-created when they change.
    .update(JSON.stringify({ ...base, imageId, proc: settings.procBinds.map((b) => b.target) }))
    .digest("hex")
    .slice(0, 16);
  return {
    ...base,
    name: containerName(settings, user.slug),
    hostname: user.slug.slice(0, 63),
    // By number: the container's own passwd is replaced by the files below, and Docker must not look it up first.
    user: `${identity.uid}:${identity.uid}`,
    workdir: WORKSPACE_HOME,
    env: ["HOME=/home/user", "USER=user", "LANG=C.UTF-8", `WORKSPACE_OWNER=${user.username}`],
    binds: [
      { source: home, target: WORKSPACE_HOME },
      ...(identity.files
        ? [
            { source: identity.files.passwd, target: "/etc/passwd", readOnly: true },
            { source: identity.files.group, target: "/etc/group", readOnly: true },
          ]
        : []),
      ...settings.procBinds,
    ],
    labels: {
      [LABEL.managed]: "true",
      [LABEL.instance]: settings.instance,
      [LABEL.ownerSub]: user.sub,
      [LABEL.username]: user.username,
      [LABEL.slug]: user.slug,
      [LABEL.spec]: fingerprint,
    },
  };
}
