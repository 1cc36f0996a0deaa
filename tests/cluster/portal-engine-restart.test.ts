import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, managerEngine, pollFor, readCluster, type ClusterInfo } from "../support/cluster";
import { execIn, type ClusterWorkspace } from "../support/cluster-workspace";
import { startThroughPortal, workspaceView } from "../support/portal-start";
import type { WorkspaceView } from "../../lib/workspace/view";
import { sessionCookie } from "../support/session-cookie";
import { startSwarmPortal, type SwarmPortal } from "../support/swarm-portal";

const SECRET = "cluster-restart-secret-0123456789abcdef";
const alice = { sub: "restart-alice", username: "alice" };
const bob = { sub: "restart-bob", username: "bob" };

describe("a worker's engine restarted under the portal's workspaces", () => {
  let info: ClusterInfo;
  let portal: SwarmPortal;
  let aliceCookie: string;
  let bobCookie: string;
  let before: ClusterWorkspace;
  let bobBefore: ClusterWorkspace;

  beforeAll(async () => {
    info = readCluster();
    portal = await startSwarmPortal(info, { AUTH_SECRET: SECRET, WORKSPACE_MEMORY: "64m", WORKSPACE_CPUS: "0.2" });
    aliceCookie = await sessionCookie(SECRET, alice);
    bobCookie = await sessionCookie(SECRET, bob);
    for (const cookie of [aliceCookie, bobCookie]) expect((await startThroughPortal(portal.url, cookie)).status?.state).toBe("running");
    before = await portal.workspaceOf("alice");
    bobBefore = await portal.workspaceOf("bob");
    const { exitCode } = await execIn(before, ["sh", "-c", "echo kept-across-the-restart > ~/kept && sync"]);
    expect(exitCode).toBe(0);
  });
  afterAll(async () => {
    await portal?.cleanup();
  });

  // Whether the manager marks the node down while its engine is away depends on how long the restart takes against
  // the heartbeat (both move with the machine's load): quick, and the manager sees only the container's end (status
  // 0, the stop signal's, or a container the engine lost); slow, and the node was lost. Either way nobody stopped it
  // through the portal, so the keeper starts it again, on whichever worker has room; it is never shown as an error
  // or as stopped meanwhile.
  it("runs the workspace again by itself, with her files, never shown as an error or stopped meanwhile", async () => {
    await clusterCommand("restart-engine", String(before.node.index));
    const states: string[] = [];
    const back = await pollFor("alice's workspace to run again in a new container", 180, async () => {
      const view = await workspaceView(portal.url, aliceCookie);
      if (states.at(-1) !== view.state) states.push(view.state);
      expect(view.state, await tasksSaid(info, before.service, view)).not.toMatch(/^(error|stopped)$/);
      if (view.state !== "running") return undefined;
      const now = await portal.workspaceOf("alice", 5).catch(() => null);
      return now && now.containerId !== before.containerId ? now : undefined;
    });
    console.log(`[engine-restart] alice's workspace, as the page showed it: ${states.join(" → ")}; back on ${back.node.name}`);
    const { output } = await execIn(back, ["cat", "/home/user/kept"]);
    expect(output).toBe("kept-across-the-restart\n");
    // bob's, on the other worker (or on the same one, then back too): never shown running while it is not.
    const bobView = await workspaceView(portal.url, bobCookie);
    if (bobBefore.node.name !== before.node.name) expect(bobView.state).toBe("running");
  });

  it("opens it through the portal afterwards: running, with her files", async () => {
    const answer = await startThroughPortal(portal.url, aliceCookie);
    expect(answer.status?.state, JSON.stringify(answer)).toBe("running");
    const after = await portal.workspaceOf("alice");
    expect(after.containerId).not.toBe(before.containerId);
    const { output } = await execIn(after, ["cat", "/home/user/kept"]);
    expect(output).toBe("kept-across-the-restart\n");
  });
});

/** What the manager says of a service's tasks, for an assertion's message: why the portal showed what it showed. */
async function tasksSaid(info: ClusterInfo, service: string, view: WorkspaceView): Promise<string> {
  const tasks = (await managerEngine(info).listTasks({ filters: { service: [service] } }).catch(() => [])) as {
    NodeID?: string;
    DesiredState: string;
    Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
  }[];
  const said = tasks.map((t) => `${t.NodeID ?? "-"} ${t.DesiredState}/${t.Status.State} ${t.Status.Err ?? ""} exit ${t.Status.ContainerStatus?.ExitCode ?? "-"}`);
  return `the page showed ${JSON.stringify(view)}; the manager's tasks: ${said.join("; ")}`;
}
