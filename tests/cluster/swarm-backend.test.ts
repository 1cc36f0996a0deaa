import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceChange, WorkspaceSpec } from "../../lib/backend/backend";
import { LABEL } from "../../lib/backend/labels";
import type { WorkspaceLimits } from "../../lib/config/env";
import type { RegisteredUser } from "../../lib/identity/registry";
import { homePath } from "../../lib/workspace/home";
import { run } from "../../lib/workspace/run";
import type { StartProgress, WorkspaceStatus } from "../../lib/workspace/types";
import { managerEngine, nodeEngine, nodeNamed, pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const PORT = 8080;
const alice = { sub: "swarm-alice", username: "alice" };
const bob = { sub: "swarm-bob", username: "bob" };
const carol = { sub: "swarm-carol", username: "carol" };
const dave = { sub: "swarm-dave", username: "dave" };

// The address is in the node's /24: compare the first three octets.
const net24 = (address: string) => address.split(".").slice(0, 3).join(".");

describe("the Swarm backend: a WorkspaceManager on the test cluster", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  /** carol asks for more CPU than any worker has left once alice and bob run: the cluster is full for her. */
  let bigCpus = 0;
  /** alice's memory limit: changed below, to be seen at her next start. */
  let aliceMemory = 256 * 1024 ** 2;
  let first: WorkspaceStatus;

  beforeAll(async () => {
    info = readCluster();
    const nodes = (await managerEngine(info).listNodes()) as Array<{ Description: { Hostname: string; Resources: { NanoCPUs: number } } }>;
    bigCpus = Math.max(...nodes.map((n) => n.Description.Resources.NanoCPUs)) / 1e9;
    fx = swarmFixture(info, {}, {
      limitsFor: (user: RegisteredUser): WorkspaceLimits => ({
        ...fx.settings.limits,
        ...(user.sub === carol.sub ? { cpus: bigCpus } : {}),
        ...(user.sub === dave.sub ? { memoryBytes: 96 * 1024 ** 2 } : {}),
        ...(user.sub === alice.sub ? { memoryBytes: aliceMemory } : {}),
      }),
    });
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  /** A workspace spec made by hand, for what the manager would never make: its home at `homes/<slug>`. */
  const bareSpec = (slug: string, homes: string, cmd: string[]): WorkspaceSpec => ({
    slug,
    image: { ref: info.images.test, id: info.images.test.split("@")[1]! },
    cmd,
    user: { uid: 1000, gid: 1000 },
    workdir: "/",
    env: [],
    hostname: slug,
    labels: { [LABEL.managed]: "true", [LABEL.instance]: fx.settings.instance, [LABEL.ownerSub]: "nobody", [LABEL.slug]: slug },
    home: { kind: "path", path: path.join(homes, slug), target: "/home/user" },
    files: [],
    scratch: [],
    limits: { memoryBytes: 64 * 1024 ** 2, cpus: 0.1, pids: 50 },
  });

  it("opens a workspace on a worker, never the manager, as one service with today's labels", async () => {
    first = await fx.manager.ensureRunning(alice);
    expect(first.state).toBe("running");
    expect(workers(info).map((w) => w.name)).toContain(first.node);
    expect(first.node).not.toBe(info.manager);
    const service = (await managerEngine(info).getService(first.containerName).inspect()) as {
      Spec: { Labels: Record<string, string>; Mode: { Replicated: { Replicas: number } } };
    };
    expect(service.Spec.Labels).toMatchObject({ [LABEL.ownerSub]: alice.sub, [LABEL.username]: "alice", [LABEL.managed]: "true" });
    expect(service.Spec.Mode.Replicated.Replicas).toBe(1);
    const container = await nodeEngine(info, nodeNamed(info, first.node!)).getContainer(first.containerId!).inspect();
    expect(container.Config.Labels).toMatchObject({ [LABEL.ownerSub]: alice.sub, [LABEL.slug]: first.slug });
    expect(container.Config.Image).toBe(info.images.test);
  });

  it("holds it to its limits inside: memory, processes, no capabilities, no new privileges, a read-only root", async () => {
    const script = [
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
      "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max",
      "grep -E '^(CapEff|NoNewPrivs):' /proc/self/status",
      "id -u",
      "touch /etc/written 2>/dev/null && echo root-writable || echo root-read-only",
      "awk '$2 == \"/tmp\" { print $3 }' /proc/mounts",
    ].join("; ");
    const { code, stdout } = await run(fx.manager, alice, ["sh", "-c", script]);
    expect(code).toBe(0);
    const [memory, pids, ...rest] = stdout.trim().split("\n");
    expect(Number(memory)).toBe(256 * 1024 ** 2);
    expect(pids).toBe("100");
    expect(rest).toContain("CapEff:\t0000000000000000");
    expect(rest).toContain("NoNewPrivs:\t1");
    expect(rest).toContain(String(fs.statSync(homePath(fx.dataRoot, first.slug)).uid)); // the home's own uid, not root
    expect(rest).not.toContain("0");
    expect(rest).toContain("root-read-only");
    expect(rest).toContain("tmpfs");
    expect(fx.backend.enforces).toEqual({ pidsLimit: true, swapLimit: false, noNewPrivileges: true });
    // Usage is read from the node's engine too.
    expect((await fx.manager.stats(alice))?.memoryLimitBytes).toBe(256 * 1024 ** 2);
  });

  it("keeps the home on the GlusterFS volume: a file written inside is on this host's mount", async () => {
    const { code, stdout } = await run(fx.manager, alice, ["sh", "-c", "echo \"from $(hostname)\" > ~/proof && sync && awk '$2 == \"/home/user\" { print $3 }' /proc/mounts"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("fuse.glusterfs");
    const onHost = path.join(homePath(fx.dataRoot, first.slug), "proof");
    expect(onHost.startsWith(`${info.homes.path}/`)).toBe(true);
    const text = await pollFor(`${onHost} on the host`, 10, async () => (fs.existsSync(onHost) ? fs.readFileSync(onHost, "utf8") : undefined));
    expect(text).toBe(`from ${first.slug.slice(0, 63)}\n`);
  });

  it("gives it an address in its node's range that answers from this host", async () => {
    const node = nodeNamed(info, first.node!);
    expect(`${net24(first.ipAddress!)}.0/24`).toBe(node.subnet);
    await fx.manager.spawn(alice, { cmd: ["sh", "-c", `mkdir -p /tmp/www && echo ok >/tmp/www/index.html && exec httpd -f -p ${PORT} -h /tmp/www`] });
    const body = await pollFor(`http://${first.ipAddress}:${PORT}/`, 30, async () => {
      const response = await fetch(`http://${first.ipAddress}:${PORT}/`, { signal: AbortSignal.timeout(5000) });
      return response.ok ? await response.text() : undefined;
    });
    expect(body).toBe("ok\n");
  });

  it("stops it as replicas 0: the state says stopped, no task of it is left, and watchers hear of it", async () => {
    const heard: WorkspaceChange[] = [];
    const unwatch = fx.backend.watch((change) => heard.push(change));
    await pollFor("the watch's first listing", 30, async () => (heard.some((c) => c.kind === "resync") ? true : undefined));
    const stopped = await fx.manager.stop(alice);
    expect(stopped.state).toBe("stopped");
    const manager = managerEngine(info);
    const service = (await manager.getService(first.containerName).inspect()) as { Spec: { Mode: { Replicated: { Replicas: number } } } };
    expect(service.Spec.Mode.Replicated.Replicas).toBe(0);
    const tasks = (await manager.listTasks({ filters: { service: [first.containerName] } })) as Array<{ Status: { State: string } }>;
    expect(tasks.filter((t) => ["running", "starting", "preparing", "assigned", "pending"].includes(t.Status.State))).toEqual([]);
    expect((await fx.manager.status(alice)).state).toBe("stopped");
    await pollFor("the watch to tell alice's workspace stopped", 30, async () =>
      heard.some((c) => c.kind === "workspace" && c.slug === first.slug && c.what === "stopped") ? true : undefined,
    );
    unwatch();
  });

  it("starts it again as a new container with the same home", async () => {
    const again = await fx.manager.ensureRunning(alice);
    expect(again.state).toBe("running");
    expect(again.containerId).not.toBe(first.containerId);
    const { stdout } = await run(fx.manager, alice, ["cat", "/home/user/proof"]);
    expect(stdout).toBe(`from ${first.slug.slice(0, 63)}\n`);
    first = again;
  });

  it("starts it again right after a stop, while the stopped task is still in its slot, and again and again", async () => {
    // Swarm makes no task for a plain scale-up while the last stop's task waits to be reaped (Docker 20.10): each
    // of these starts would then wait out its whole start time.
    for (let round = 1; round <= 3; round++) {
      expect((await fx.manager.stop(alice)).state, `stop ${round}`).toBe("stopped");
      const again = await fx.manager.ensureRunning(alice);
      expect(again.state, `start ${round}`).toBe("running");
      expect((await run(fx.manager, alice, ["cat", "/home/user/proof"])).stdout).toBe(`from ${first.slug.slice(0, 63)}\n`);
      first = again;
    }
  });

  it("spreads two users over the two workers", async () => {
    const second = await fx.manager.ensureRunning(bob);
    expect(second.state).toBe("running");
    expect(new Set([first.node, second.node])).toEqual(new Set(workers(info).map((w) => w.name)));
  });

  it("keeps a start waiting, with the scheduler's reason, while no worker has room; it runs once one has", async () => {
    const heard: StartProgress[] = [];
    const starting = fx.manager.ensureRunning(carol, (p) => heard.push(p));
    starting.catch(() => undefined);
    const waiting = await pollFor("carol's start to wait for capacity", 60, async () => heard.find((p) => p.step === "queued"));
    expect(waiting.message).toMatch(/^Waiting for capacity: no suitable node \(insufficient resources on 2 nodes/);
    const status = await fx.manager.status(carol);
    expect(status.state).toBe("starting");
    expect(status.error).toMatch(/insufficient resources/);
    // bob's worker frees up: carol's workspace is placed there.
    const bobs = await fx.manager.status(bob);
    await fx.manager.stop(bob);
    const ran = await starting;
    expect(ran.state).toBe("running");
    expect(ran.node).toBe(bobs.node);
  });

  it("gives a start up when no worker has had room for the queue's whole time, and leaves nothing made", async () => {
    const erin = { sub: "swarm-erin", username: "erin" };
    // More CPU than any worker has: never placed. The queue's time is one second here.
    const impatient = swarmFixture(info, { START_QUEUE_TIMEOUT_SECONDS: "1" }, { limitsFor: () => ({ ...fx.settings.limits, cpus: bigCpus * 2 }) });
    try {
      const heard: StartProgress[] = [];
      await expect(impatient.manager.ensureRunning(erin, (p) => heard.push(p))).rejects.toThrow(
        /^No machine of the swarm had room for your workspace \(no suitable node \(insufficient resources on 2 nodes.*\), so it could not start/,
      );
      expect(heard.some((p) => p.step === "queued" && p.message.startsWith("Waiting for capacity: "))).toBe(true);
      expect((await impatient.manager.status(erin)).state).toBe("none"); // never ran: taken away, not left half made
    } finally {
      await impatient.cleanup();
    }
  });

  it("says 'out of memory' when the OOM killer ends a workspace, and leaves it ended (Swarm does not restart it)", async () => {
    await fx.manager.stop(carol); // room for dave on either worker
    await fx.manager.ensureRunning(dave);
    // As tests/integration/out-of-memory.test.ts: the keep-alive made the OOM killer's first choice, then memory exhausted.
    const hog = [
      'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = "$$" ] && continue;',
      '  grep -q "while :" "$d/cmdline" 2>/dev/null && echo 1000 > "$d/oom_score_adj"; done;',
      'for i in 1 2 3 4; do (x=$(head -c 40000000 /dev/zero | tr "\\0" a); sleep 20) & done; wait',
    ].join(" ");
    await run(fx.manager, dave, ["bash", "-c", hog]).catch(() => undefined);
    const status = await pollFor("dave's workspace to stop", 30, async () => {
      const now = await fx.manager.status(dave);
      return now.state === "stopped" ? now : undefined;
    });
    expect(status.stopReason).toBe("out_of_memory");
    expect(status.exitCode).toBe(137);
    // The backend's keeper runs (as in the portal) and leaves it ended: a few of its rounds later it still is.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await fx.manager.status(dave)).toMatchObject({ state: "stopped", stopReason: "out_of_memory", containerId: status.containerId });
    expect((await fx.manager.ensureRunning(dave)).state).toBe("running");
    expect((await run(fx.manager, dave, ["echo", "alive"])).stdout).toBe("alive\n");
  });

  it("brings a changed limit to the next start, by updating the stopped service", async () => {
    await fx.manager.stop(alice);
    aliceMemory = 192 * 1024 ** 2;
    const again = await fx.manager.ensureRunning(alice);
    expect(again.state).toBe("running");
    const { stdout } = await run(fx.manager, alice, ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"]);
    expect(Number(stdout.trim())).toBe(aliceMemory);
    expect((await run(fx.manager, alice, ["cat", "/home/user/proof"])).stdout).toBe(`from ${first.slug.slice(0, 63)}\n`);
  });

  it("answers a ping as a manager with the workspace network, and names the network when it is not declared", async () => {
    await fx.backend.ping();
    const other = swarmFixture(info, { SWARM_NETWORK: "no-such-network" });
    try {
      await expect(other.backend.ping()).rejects.toThrow(/The swarm has no swarm-scoped network no-such-network \(SWARM_NETWORK\)/);
    } finally {
      await other.cleanup();
    }
  });

  it("finds the image by its pinned digest at the registry, never pulling; a digest the registry lacks is missing", async () => {
    const [name, digest] = info.images.test.split("@") as [string, string];
    expect(await fx.backend.imageId(info.images.test)).toBe(digest);
    expect(await fx.backend.imageId(`${name}@sha256:${"0".repeat(64)}`)).toBeNull();
  });

  it("says how a workspace that ends at start ended: its exit status and last words, from its node", async () => {
    const slug = "quitter";
    fs.mkdirSync(path.join(fx.dataRoot, "users", slug), { recursive: true });
    await fx.backend.ensure(bareSpec(slug, path.join(fx.dataRoot, "users"), ["sh", "-c", "echo giving up; exit 3"]));
    await fx.backend.start(slug); // resolves once it ran (or ended: it may be seen running first)
    const ended = await pollFor("the quitter to be seen ended", 30, async () => {
      const now = await fx.backend.find(slug);
      return now?.state === "running" ? undefined : now;
    });
    expect(ended).toMatchObject({ state: "stopped", exitCode: 3 });
    expect(await fx.backend.logs(ended!, 5)).toBe("giving up\n");
    await fx.backend.remove(slug);
  });

  it("says what and where when a node refuses the workspace: a home that is not on the volume there", async () => {
    const slug = "nohome";
    await fx.backend.ensure(bareSpec(slug, path.join(fx.dataRoot, "missing"), ["sleep", "60"]));
    await expect(fx.backend.start(slug)).rejects.toThrow(new RegExp(`home is not there on (${workers(info).map((w) => w.name).join("|")}): the homes volume is not mounted`));
    expect((await fx.backend.find(slug))?.state).toBe("failed");
    await fx.backend.remove(slug);
  });
});
