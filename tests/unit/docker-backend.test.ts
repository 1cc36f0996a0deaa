import { describe, expect, it } from "vitest";
import type { WorkspaceChange, WorkspaceSpec } from "../../lib/backend/backend";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { toPlacement } from "../../lib/backend/docker/placement";
import { LABEL } from "../../lib/backend/labels";
import { NameConflictError } from "../../lib/errors/workspace-errors";
import type { ContainerEvent, ContainerInfo, ContainerRuntime, ContainerSpec } from "../../lib/runtime/runtime";

/** An engine in memory: containers by name, and a record of what the backend asked of it. */
function memoryEngine() {
  const containers = new Map<string, ContainerInfo>();
  const calls: string[] = [];
  let listener: ((event: ContainerEvent | null) => void) | null = null;
  let followed: Record<string, string> = {};
  const byIdOrName = (key: string) => containers.get(key) ?? [...containers.values()].find((c) => c.id === key) ?? null;
  const engine = {
    endpoint: "memory://",
    async inspect(key: string) {
      return byIdOrName(key);
    },
    async create(spec: ContainerSpec) {
      calls.push(`create ${spec.name} on ${spec.network}`);
      const id = `id-${calls.length}`;
      containers.set(spec.name, { id, name: spec.name, labels: spec.labels, imageId: "sha256:x", status: "created", exitCode: 0, oomKilled: false });
      return id;
    },
    async remove(key: string) {
      const container = byIdOrName(key);
      calls.push(`remove ${container?.name}`);
      if (container) containers.delete(container.name);
    },
    async ensureNetwork(name: string) {
      return `${name}-id`;
    },
    events(labels: Record<string, string>, onEvent: (event: ContainerEvent | null) => void) {
      followed = labels;
      listener = onEvent;
      return () => (listener = null);
    },
  };
  return {
    runtime: engine as unknown as ContainerRuntime,
    containers,
    calls,
    emit: (event: ContainerEvent | null) => listener?.(event),
    followed: () => followed,
  };
}

const settings = { instance: "lab", namePrefix: "ws-", network: "ws-net" };
const spec = (over: Partial<WorkspaceSpec> = {}): WorkspaceSpec => ({
  slug: "alice-1",
  image: { ref: "workspace:1", id: "sha256:aaa" },
  cmd: ["sleep", "infinity"],
  user: { uid: 1001, gid: 1001 },
  workdir: "/home/user",
  env: [],
  hostname: "alice-1",
  labels: { [LABEL.managed]: "true", [LABEL.instance]: "lab", [LABEL.ownerSub]: "sub-alice", [LABEL.slug]: "alice-1" },
  home: { kind: "path", path: "/data/users/alice-1", target: "/home/user" },
  files: [],
  scratch: [],
  limits: { memoryBytes: 512, cpus: 1, pids: 64 },
  ...over,
});

describe("the Docker backend making workspaces", () => {
  it("makes a missing one on its network, after what must exist first", async () => {
    const engine = memoryEngine();
    const backend = new DockerBackend(engine.runtime, settings);
    const ensured = await backend.ensure(spec(), async () => void engine.calls.push("before make"));
    expect(engine.calls).toEqual(["before make", "create ws-alice-1 on ws-net-id"]);
    expect(ensured.made).toBe("created");
    expect(ensured.placement).toMatchObject({ slug: "alice-1", name: "ws-alice-1", state: "created", instanceId: "id-2" });
  });

  it("leaves a current one as it is, and makes a stopped one of another spec anew", async () => {
    const engine = memoryEngine();
    const backend = new DockerBackend(engine.runtime, settings);
    await backend.ensure(spec());
    engine.calls.length = 0;
    expect((await backend.ensure(spec(), async () => void engine.calls.push("before make"))).made).toBeNull();
    expect(engine.calls).toEqual([]);

    const replaced = await backend.ensure(spec({ limits: { memoryBytes: 1024, cpus: 1, pids: 64 } }));
    expect(replaced.made).toBe("replaced");
    expect(engine.calls).toEqual(["remove ws-alice-1", "create ws-alice-1 on ws-net-id"]);
  });

  it("never touches a running one, even of another spec", async () => {
    const engine = memoryEngine();
    const backend = new DockerBackend(engine.runtime, settings);
    await backend.ensure(spec());
    engine.containers.get("ws-alice-1")!.status = "running";
    engine.calls.length = 0;
    const ensured = await backend.ensure(spec({ image: { ref: "workspace:2", id: "sha256:bbb" } }));
    expect(ensured).toMatchObject({ made: null, placement: { state: "running" } });
    expect(engine.calls).toEqual([]);
  });

  it("refuses to make anew a container of that name that is someone else's", async () => {
    const engine = memoryEngine();
    const backend = new DockerBackend(engine.runtime, settings);
    await backend.ensure(spec({ labels: { ...spec().labels, [LABEL.ownerSub]: "sub-mallory" } }));
    engine.calls.length = 0;
    await expect(backend.ensure(spec())).rejects.toBeInstanceOf(NameConflictError);
    expect(engine.calls).toEqual([]);
  });
});

describe("the Docker backend's placements", () => {
  const container: ContainerInfo = { id: "c1", name: "ws-a", labels: {}, imageId: "sha256:x", status: "running", exitCode: 0, oomKilled: false };

  it("gives the container's id as the instance and its bridge address while it runs", () => {
    expect(toPlacement({ ...container, ipAddress: "172.30.0.5", startedAt: new Date(0) }, "a")).toMatchObject({
      slug: "a",
      state: "running",
      instanceId: "c1",
      address: "172.30.0.5",
      startedAt: new Date(0),
    });
    expect(toPlacement({ ...container, status: "exited", exitCode: 137, oomKilled: true }, "a")).toMatchObject({ state: "stopped", oomKilled: true });
    expect(toPlacement({ ...container, status: "created" }, "a").state).toBe("created");
    expect(toPlacement({ ...container, status: "dead", error: "no such file" }, "a")).toMatchObject({ state: "failed", reason: "no such file" });
  });
});

describe("the Docker backend's changes", () => {
  it("follows this portal's workspaces only, and tells each by its slug", () => {
    const engine = memoryEngine();
    const changes: WorkspaceChange[] = [];
    const unwatch = new DockerBackend(engine.runtime, settings).watch((c) => changes.push(c));
    expect(engine.followed()).toEqual({ [LABEL.managed]: "true", [LABEL.instance]: "lab" });
    engine.emit(null);
    engine.emit({ id: "c1", action: "start", attributes: { [LABEL.slug]: "alice-1" } });
    engine.emit({ id: "c1", action: "die", attributes: { [LABEL.slug]: "alice-1", exitCode: "137" } });
    engine.emit({ id: "c2", action: "destroy", attributes: { name: "not-a-workspace" } });
    engine.emit({ id: "c1", action: "destroy", attributes: { [LABEL.slug]: "alice-1" } });
    unwatch();
    engine.emit({ id: "c3", action: "start", attributes: { [LABEL.slug]: "bob-2" } });
    expect(changes).toEqual([
      { kind: "resync" },
      { kind: "workspace", slug: "alice-1", what: "started" },
      { kind: "workspace", slug: "alice-1", what: "stopped" },
      { kind: "workspace", slug: "alice-1", what: "removed" },
    ]);
  });
});
