import { describe, expect, it } from "vitest";
import { toContainerSpec } from "../../lib/backend/docker/container-spec";
import { LABEL } from "../../lib/backend/labels";
import { loadConfig } from "../../lib/config/env";
import type { RegisteredUser } from "../../lib/identity/registry";
import { toCreateOptions } from "../../lib/runtime/docker/create-options";
import { KEEPALIVE_CMD, WORKSPACE_CMD, workspaceSpec } from "../../lib/workspace/spec";
import type { WorkspaceSettings } from "../../lib/workspace/types";

const MiB = 1024 ** 2;
const config = loadConfig({ DATA_ROOT: "/srv/portal", PORTAL_INSTANCE: "lab", WORKSPACE_IMAGE: "scitex-portal/workspace:1", WORKSPACE_LXCFS: "no" });
const settings: WorkspaceSettings = {
  dataRoot: config.dataRoot,
  instance: config.instance,
  ...config.workspace,
  procBinds: [
    { source: "/var/lib/lxcfs/proc/meminfo", target: "/proc/meminfo", readOnly: true },
    { source: "/var/lib/lxcfs/proc/uptime", target: "/proc/uptime", readOnly: true },
  ],
};
const alice = { sub: "sub-alice", username: "alice", slug: "alice-3f2a9c1b" } as RegisteredUser;
const made = {
  home: "/srv/portal/users/alice-3f2a9c1b",
  imageId: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  limits: { memoryBytes: 512 * MiB, cpus: 1.5, pids: 256 },
  uid: 100_007,
  identity: { passwd: "/srv/portal/identity/users/alice-3f2a9c1b/passwd", group: "/srv/portal/identity/users/alice-3f2a9c1b/group" },
};
const containerOf = (more: Partial<typeof made> = {}, network = settings.network) =>
  toContainerSpec(workspaceSpec(settings, alice, { ...made, ...more }), "scitex-ws-alice-3f2a9c1b", network);

describe("a workspace spec as a container on one Docker host", () => {
  it("is the hardened container every workspace was: its user by number, its home, identity and /proc binds, its limits", () => {
    const options = toCreateOptions({ ...containerOf(), network: "net-id" });
    expect(options).toMatchObject({
      name: "scitex-ws-alice-3f2a9c1b",
      Image: "scitex-portal/workspace:1",
      Hostname: "alice-3f2a9c1b",
      Cmd: WORKSPACE_CMD,
      User: "100007:100007",
      WorkingDir: "/home/user",
      Env: ["HOME=/home/user", "USER=user", "LANG=C.UTF-8", "WORKSPACE_OWNER=alice"],
      Labels: {
        [LABEL.managed]: "true",
        [LABEL.instance]: "lab",
        [LABEL.ownerSub]: "sub-alice",
        [LABEL.username]: "alice",
        [LABEL.slug]: "alice-3f2a9c1b",
        [LABEL.lease]: "/home/user/.scitex/lease",
      },
    });
    expect(options.HostConfig).toMatchObject({
      Binds: [
        "/srv/portal/users/alice-3f2a9c1b:/home/user",
        "/srv/portal/identity/users/alice-3f2a9c1b/passwd:/etc/passwd:ro",
        "/srv/portal/identity/users/alice-3f2a9c1b/group:/etc/group:ro",
        "/var/lib/lxcfs/proc/meminfo:/proc/meminfo:ro",
        "/var/lib/lxcfs/proc/uptime:/proc/uptime:ro",
      ],
      ReadonlyRootfs: true,
      Memory: 512 * MiB,
      MemorySwap: 512 * MiB,
      NanoCpus: 1.5e9,
      PidsLimit: 256,
      Init: true,
      Privileged: false,
      SecurityOpt: ["no-new-privileges:true"],
      CapDrop: ["ALL"],
      NetworkMode: "net-id",
    });
    expect(Object.keys(options.HostConfig!.Tmpfs!)).toEqual(["/tmp", "/var/tmp", "/run/lock"]);
  });

  it("carries the very fingerprint earlier portals gave the same workspace, so no stopped workspace is made anew for the move", () => {
    // Computed by the portal before workspaces had a backend (lib/workspace/spec.ts at 89048b1) from these inputs,
    // whose command was the bare keep-alive.
    const before = toContainerSpec({ ...workspaceSpec(settings, alice, made), cmd: KEEPALIVE_CMD }, "scitex-ws-alice-3f2a9c1b", settings.network);
    expect(before.labels[LABEL.spec]).toBe("6fa1dbe595e5ab1c");
  });

  it("is made anew once for the lease: the command that takes it is a new fingerprint (the home is kept, as for any re-creation)", () => {
    expect(containerOf().labels[LABEL.spec]).not.toBe("6fa1dbe595e5ab1c");
  });

  it("changes the fingerprint with what the container is made of, and only with that", () => {
    const now = containerOf().labels[LABEL.spec];
    expect(containerOf({ imageId: "sha256:ffff" }).labels[LABEL.spec]).not.toBe(now);
    expect(containerOf({ limits: { ...made.limits, memoryBytes: 1024 * MiB } }).labels[LABEL.spec]).not.toBe(now);
    expect(containerOf({ uid: 100_008 }).labels[LABEL.spec]).not.toBe(now);
    expect(containerOf({}, "another-net").labels[LABEL.spec]).not.toBe(now);
    // Where the home and identity files are is no reason to make a workspace anew.
    expect(containerOf({ home: "/elsewhere/alice", identity: { passwd: "/x/passwd", group: "/x/group" } }).labels[LABEL.spec]).toBe(now);
  });
});
