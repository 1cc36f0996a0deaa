import { describe, expect, it } from "vitest";
import type { WorkspaceSpec } from "../../lib/backend/backend";
import { toServiceSpec } from "../../lib/backend/swarm/service-spec";
import { refusal } from "../../lib/backend/swarm/start-failure";
import { viewOf, type SwarmTask } from "../../lib/backend/swarm/tasks";

const task = (state: string, extra: Partial<SwarmTask["Status"]> & { at?: string; desired?: string } = {}): SwarmTask => ({
  ID: `t-${state}-${extra.at ?? "1"}`,
  ServiceID: "s",
  NodeID: "n2",
  CreatedAt: `2026-12-03T10:00:0${extra.at ?? "1"}Z`,
  DesiredState: extra.desired ?? "running",
  Status: { State: state, ...extra },
});

describe("a workspace's state from its service's tasks", () => {
  it("tells a never started service from a stopped one (a stopped service's tasks are gone)", () => {
    expect(viewOf(0, [], false).state).toBe("created");
    expect(viewOf(0, [], true).state).toBe("stopped");
    expect(viewOf(1, [], true).state).toBe("starting");
  });

  it("reads the newest task only", () => {
    const tasks = [task("failed", { at: "1", ContainerStatus: { ContainerID: "c1", ExitCode: 137 } }), task("running", { at: "2" })];
    expect(viewOf(1, tasks, true).state).toBe("running");
  });

  it("is pending, with the scheduler's words, while no node may take it", () => {
    const view = viewOf(1, [task("pending", { Err: "no suitable node (insufficient resources on 2 nodes)" })], true);
    expect(view).toMatchObject({ state: "pending", reason: "no suitable node (insufficient resources on 2 nodes)" });
  });

  it("is stopped with its exit status when its first process ended, and failed when a node refused it", () => {
    expect(viewOf(1, [task("failed", { ContainerStatus: { ContainerID: "c1", ExitCode: 137 }, Err: "task: non-zero exit (137)" })], true)).toMatchObject({
      state: "stopped",
      exitCode: 137,
    });
    // Status 0 is the stop signal's (the lease command's): stopped when the portal asked for no replica first.
    expect(viewOf(0, [task("complete", { ContainerStatus: { ContainerID: "c1", ExitCode: 0 } })], true)).toMatchObject({ state: "stopped", exitCode: 0 });
    const refused = viewOf(1, [task("rejected", { Err: 'invalid mount config for type "bind": bind source path does not exist: /srv/h/x' })], true);
    expect(refused).toMatchObject({ state: "failed", reason: expect.stringContaining("bind source path does not exist") });
  });
});

describe("a workspace's service spec", () => {
  const spec: WorkspaceSpec = {
    slug: "alice",
    image: { ref: `r:5000/ws@sha256:${"b".repeat(64)}`, id: `sha256:${"b".repeat(64)}` },
    cmd: ["sleep", "infinity"],
    user: { uid: 2000001, gid: 2000001 },
    workdir: "/home/user",
    env: ["HOME=/home/user"],
    hostname: "alice",
    labels: { "org.scitex.portal.owner-sub": "s1" },
    home: { kind: "path", path: "/srv/homes/portal/users/alice", target: "/home/user" },
    files: [
      { source: "/srv/homes/portal/identity/users/alice/passwd", target: "/etc/passwd" },
      { source: "/var/lib/lxcfs/proc/meminfo", target: "/proc/meminfo" },
    ],
    scratch: [{ path: "/tmp", bytes: 1024 }],
    limits: { memoryBytes: 1024 ** 3, cpus: 2, pids: 512 },
  };
  const settings = { network: "ws", homesPath: "/srv/homes", constraints: ["node.role==worker"], reserveFraction: 0.5, stopTimeoutSeconds: 10 };

  it("carries the hardening, limits, a share of them reserved, placement and network; Swarm never restarts it", () => {
    const service = toServiceSpec(spec, "scitex-ws-alice", settings, 0);
    expect(service.TaskTemplate.ContainerSpec).toMatchObject({ User: "2000001:2000001", Init: true, ReadOnly: true, CapabilityDrop: ["ALL"] });
    expect(service.TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 2e9, MemoryBytes: 1024 ** 3, Pids: 512 },
      Reservations: { NanoCPUs: 1e9, MemoryBytes: 1024 ** 3 / 2 },
    });
    expect(service.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
    expect(service.TaskTemplate.Placement.Constraints).toEqual(["node.role==worker"]);
    expect(service.Mode.Replicated.Replicas).toBe(0);
    expect(service.Labels["org.scitex.portal.spec"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("refuses a bind from outside the shared volume (LXCFS's per-node /proc views aside)", () => {
    const local = { ...spec, home: { ...spec.home, path: "/var/lib/portal/users/alice" } };
    expect(() => toServiceSpec(local, "scitex-ws-alice", settings, 0)).toThrow(/is not on the shared homes volume \/srv\/homes/);
  });
});

describe("why a node refused a workspace", () => {
  const refused = (err: string) => refusal(task("rejected", { Err: err }), "scxc-n2", "scitex-ws-alice", "/srv/homes");

  it("names the node and the missing homes mount", () => {
    const error = refused('invalid mount config for type "bind": bind source path does not exist: /srv/homes/portal/users/alice');
    expect(error.message).toMatch(/^The workspace's home is not there on scxc-n2: the homes volume is not mounted at \/srv\/homes there/);
  });

  it("names the node that holds no image", () => {
    const error = refused("No such image: registry:5000/ws@sha256:abc");
    expect(error.code).toBe("image_missing");
    expect(error.message).toMatch(/^scxc-n2 does not hold the workspace image and could not fetch it \(No such image/);
  });

  it("keeps the engine's words for anything else", () => {
    expect(refused("starting container failed: oci runtime error").message).toBe("scxc-n2 could not start workspace scitex-ws-alice: starting container failed: oci runtime error");
  });
});
