import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, managerEngine, pollFor, readCluster, type ClusterInfo } from "../support/cluster";
import { execIn, type ClusterWorkspace } from "../support/cluster-workspace";
import { startThroughPortal, workspaceView } from "../support/portal-start";
import type { WorkspaceView } from "../../lib/workspace/view";
import { stopExplanation } from "../../components/workspace-state";
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
  let meanwhile: WorkspaceView;

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
  // the heartbeat (both move with the machine's load): quick, and the container's end is all the manager sees (the
  // workspace stopped, as on one host); slow, and the node was lost, so the keeper starts it again elsewhere. Either
  // is told truly; neither is ever an error, nor "running" while nothing runs.
  it("says the workspace stopped while its node's engine was away, or moves it elsewhere, never an error", async () => {
    await clusterCommand("restart-engine", String(before.node.index));
    meanwhile = await pollFor("alice's workspace to be seen not running", 60, async () => {
      const view = await workspaceView(portal.url, aliceCookie);
      return view.state === "running" ? undefined : view;
    });
    if (meanwhile.state === "stopped") {
      // Nobody stopped it through the portal, and the page says so: its machine stopped it (or its process ended).
      expect(meanwhile).toMatchObject({ state: "stopped", stopReason: "exited" });
      expect(meanwhile.stopCause).toBeUndefined();
      expect(stopExplanation(meanwhile)).toMatch(/^It stopped without anyone stopping it( \(exit status \d+\))?: its machine stopped or restarted it/);
    } else {
      expect(meanwhile.state, await tasksSaid(info, before.service, meanwhile)).toBe("starting");
      const back = await pollFor("alice's moved workspace to run again", 120, async () => {
        const view = await workspaceView(portal.url, aliceCookie);
        expect(view.state, await tasksSaid(info, before.service, view)).not.toMatch(/^(error|stopped)$/);
        return view.state === "running" ? view : undefined;
      });
      expect(back.state).toBe("running");
      expect((await portal.workspaceOf("alice")).containerId).not.toBe(before.containerId);
    }
    // bob's, on the other worker (or on the same one, then stopped or moved too): never shown running while it is not.
    const bobView = await workspaceView(portal.url, bobCookie);
    if (bobBefore.node.name !== before.node.name) expect(bobView.state).toBe("running");
  });

  it("runs it again when alice opens it again through the portal, with her files", async () => {
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
