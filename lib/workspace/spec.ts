import type { WorkspaceLimits } from "../config/env";
import type { RegisteredUser } from "../identity/registry";
import type { WorkspaceSpec } from "../backend/backend";
import { LABEL } from "../backend/labels";
import { workspaceName } from "../backend/names";
import { leaseCommand, leasePath } from "./lease";
import type { WorkspaceSettings } from "./types";

export const WORKSPACE_USER = "user";
export const WORKSPACE_HOME = "/home/user";
const SCRATCH_DIRS = ["/tmp", "/var/tmp", "/run/lock"];

// What a bare `docker run` of the images runs (their CMDs spell it; tests/unit/keepalive-command.test.ts holds them
// to it): sleeps forever, and leaves at once on SIGTERM so a stop takes milliseconds, not the timeout.
export const KEEPALIVE_CMD = ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"];

// What the portal runs as a workspace's first process (the init's child): the same keep-alive, which first takes
// the workspace's lease in the home, so that at most one copy of it is ever called ready (lib/workspace/lease.ts).
export const WORKSPACE_CMD = leaseCommand(WORKSPACE_HOME);

export function containerName(settings: Pick<WorkspaceSettings, "namePrefix">, slug: string): string {
  return workspaceName(settings.namePrefix, slug);
}

/** What the user's workspace should be made of: the same for every backend, which decides when to make it anew. */
export function workspaceSpec(
  settings: WorkspaceSettings,
  user: RegisteredUser,
  made: {
    home: string;
    imageId: string;
    limits: WorkspaceLimits;
    uid: number;
    /** The workspace's /etc/passwd and /etc/group, kept on the host (lib/workspace/identity-files.ts). */
    identity: { passwd: string; group: string };
  },
): WorkspaceSpec {
  return {
    slug: user.slug,
    image: { ref: settings.image, id: made.imageId },
    cmd: WORKSPACE_CMD,
    // By number: the container's own passwd is replaced by the identity files, and the engine must not look it up first.
    user: { uid: made.uid, gid: made.uid },
    workdir: WORKSPACE_HOME,
    env: ["HOME=/home/user", "USER=user", "LANG=C.UTF-8", `WORKSPACE_OWNER=${user.username}`],
    hostname: user.slug.slice(0, 63),
    labels: {
      [LABEL.managed]: "true",
      [LABEL.instance]: settings.instance,
      [LABEL.ownerSub]: user.sub,
      [LABEL.username]: user.username,
      [LABEL.slug]: user.slug,
      [LABEL.lease]: leasePath(WORKSPACE_HOME),
    },
    home: { kind: "path", path: made.home, target: WORKSPACE_HOME },
    files: [
      { source: made.identity.passwd, target: "/etc/passwd" },
      { source: made.identity.group, target: "/etc/group" },
      ...settings.procBinds.map(({ source, target }) => ({ source, target })),
    ],
    // The image's world-writable directories: with the root read-only, these are where programs may scribble.
    scratch: SCRATCH_DIRS.map((path) => ({ path, bytes: settings.tmpBytes })),
    limits: made.limits,
  };
}
