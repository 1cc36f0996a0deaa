import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { managerEngine, pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import { execIn, type ClusterWorkspace } from "../support/cluster-workspace";
import { postAs, startThroughPortal, workspaceView } from "../support/portal-start";
import { sessionCookie } from "../support/session-cookie";
import { startSwarmPortal, type SwarmPortal } from "../support/swarm-portal";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

const SECRET = "cluster-capacity-secret-0123456789abcdef";
/** Through the API; alice (the embedded provider's demo user) signs in through Chromium. */
const API_USERS = Array.from({ length: 19 }, (_, i) => ({ sub: `cap-user-${i + 1}`, username: `user${i + 1}` }));
const LATE = { sub: "cap-late", username: "late" };
const PER_WORKER = 10;

describe("the portal on the Swarm cluster: twenty users on two workers", () => {
  let info: ClusterInfo;
  let portal: SwarmPortal;
  let browser: Browser;
  let page: Page;
  let cpus = 0;
  const cookies = new Map<string, string>();
  const placed = new Map<string, ClusterWorkspace>();

  beforeAll(async () => {
    info = readCluster();
    // Each worker has room for exactly PER_WORKER workspaces by their CPU reservations (SWARM_RESERVE 1): the
    // twenty fit, the twenty-first waits. Memory is kept small (the test image is tiny) and never the limit.
    const nodes = (await managerEngine(info).listNodes()) as Array<{ Spec: { Role: string }; Description: { Resources: { NanoCPUs: number } } }>;
    const nanos = Math.min(...nodes.filter((n) => n.Spec.Role === "worker").map((n) => n.Description.Resources.NanoCPUs));
    cpus = nanos / PER_WORKER / 1e9;
    portal = await startSwarmPortal(info, {
      AUTH_SECRET: SECRET,
      WORKSPACE_CPUS: String(cpus),
      WORKSPACE_MEMORY: "64m",
      WORKSPACE_PIDS: "64",
      MAX_RUNNING_WORKSPACES: "100",
      START_QUEUE_TIMEOUT_SECONDS: "240",
      // Twenty starts on a machine shared with other test runs: the manager and nodes may answer slowly.
      WORKSPACE_START_TIMEOUT_SECONDS: "300",
    });
    for (const user of [...API_USERS, LATE]) cookies.set(user.username, await sessionCookie(SECRET, user));
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("opens alice's workspace from Chromium's Open Workspace, into a terminal that echoes, on a worker", async () => {
    await signIn(page, portal.url, "alice", "alice");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    await waitForPrompt(page);
    await typeLine(page, "echo from-the-cluster-$((6*7))");
    await waitForText(page, "from-the-cluster-42");
    const ws = await portal.workspaceOf("alice");
    expect(ws.node.role).toBe("worker");
    placed.set("alice", ws);
  });

  it("opens nineteen more through the API: all twenty run on the two workers, none on the manager, spread within 2", async () => {
    // Five at a time, as people arrive: each is a signed-in user's Open Workspace.
    for (let i = 0; i < API_USERS.length; i += 5) {
      const batch = API_USERS.slice(i, i + 5);
      const answers = await Promise.all(batch.map((u) => startThroughPortal(portal.url, cookies.get(u.username)!)));
      answers.forEach((answer, j) => expect(answer.status?.state, `${batch[j]!.username}: ${JSON.stringify(answer)}`).toBe("running"));
    }
    for (const user of API_USERS) placed.set(user.username, await portal.workspaceOf(user.username));
    expect(placed.size).toBe(20);
    const perNode = new Map<string, number>();
    for (const ws of placed.values()) perNode.set(ws.node.name, (perNode.get(ws.node.name) ?? 0) + 1);
    const [w1, w2] = workers(info).map((w) => perNode.get(w.name) ?? 0);
    expect(perNode.get(info.manager) ?? 0).toBe(0);
    expect(w1! + w2!).toBe(20);
    expect(Math.abs(w1! - w2!), JSON.stringify(Object.fromEntries(perNode))).toBeLessThanOrEqual(2);
    // Each at its own address, in its own node's range, as the portal's view says running.
    expect(new Set([...placed.values()].map((ws) => ws.address)).size).toBe(20);
    for (const user of API_USERS.slice(0, 3)) expect((await workspaceView(portal.url, cookies.get(user.username)!)).state).toBe("running");
  }, 600_000); // about a minute on a quiet machine; several on one shared with other test runs

  it("holds every workspace to its limits, seen from inside: memory, processes", async () => {
    const script = [
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
      "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max",
      "cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)",
    ].join("; ");
    for (const ws of [placed.get("alice")!, placed.get("user1")!, placed.get("user19")!]) {
      const { exitCode, output } = await execIn(ws, ["sh", "-c", script]);
      expect(exitCode).toBe(0);
      const [memory, pids, cpu] = output.trim().split("\n");
      expect(Number(memory)).toBe(64 * 1024 ** 2);
      expect(pids).toBe("64");
      const [quota, period] = cpu!.split(" ").map(Number);
      expect(quota! / period!).toBeCloseTo(cpus, 5);
    }
  });

  it("queues the twenty-first start while the cluster is full by reservations, saying so, and runs it once a slot frees", async () => {
    const heard: string[] = [];
    const late = startThroughPortal(portal.url, cookies.get(LATE.username)!, (message) => heard.push(message));
    late.catch(() => undefined);
    const waiting = await pollFor("the late start to say it waits for capacity", 180, async () => heard.find((m) => m.startsWith("Waiting for capacity")));
    // Swarm's own words; it may add that the (drained) manager takes no new tasks.
    expect(waiting).toMatch(/^Waiting for capacity: no suitable node \(insufficient resources on 2 nodes[;)].*\. Your workspace starts as soon as a machine has room$/);
    expect((await workspaceView(portal.url, cookies.get(LATE.username)!)).state).toBe("starting");
    // One user stops: the slot is theirs to give.
    const leaving = placed.get("user1")!;
    expect((await postAs(portal.url, cookies.get("user1")!, "/api/workspace/stop")).status).toBe(200);
    const answer = await late;
    expect(answer.status?.state, JSON.stringify(answer)).toBe("running");
    expect((await portal.workspaceOf(LATE.username)).node.name).toBe(leaving.node.name);
  }, 300_000);
});
