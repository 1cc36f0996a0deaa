import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endingMessage, SessionEndings, MOVED_EXIT_STATUS, type Ending } from "../../lib/terminal/session-endings";
import { Shells } from "../../lib/terminal/shells";
import { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import { TerminalService } from "../../lib/terminal/terminal-service";
import type { TerminalClient } from "../../lib/terminal/terminal-session";
import { TERMINAL_BUFFERS } from "../../lib/terminal/terminal-tuning";
import { WorkspaceChanges } from "../../lib/workspace/changes";
import { WorkspaceMoves } from "../../lib/workspace/moves";
import { StopNotices } from "../../lib/workspace/stop-notices";
import { clusterCommand, managerEngine, nodeNamed, pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import { openSshShell } from "../support/ssh-channel";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const alice = { sub: "moves-alice", username: "alice" };
const SIZE = { cols: 100, rows: 30 };
const MOVED = /^Your workspace moved to another machine \((\S+)\); this terminal's shell ended there\. Opening a new terminal…$/;

/** A web terminal's client as the socket door is one: what it is shown, and how its shell ended. */
function recordingClient() {
  let text = "";
  const notes: string[] = [];
  const state: { exit?: { code: number; ending?: Ending } } = {};
  const client: TerminalClient = {
    output: (data) => void (text += data.toString("utf8")),
    replay: (data) => void (text += data.toString("utf8")),
    displaced: () => {},
    exited: (code, ending) => void (state.exit = { code, ...(ending ? { ending } : {}) }),
    note: (message) => void notes.push(message),
  };
  return { client, state, notes, text: () => text };
}

/** A shell command writing 256 KiB of random bytes to ~/name, fsynced, then printing its checksum. */
const writeSynced = (name: string) => `cd && dd if=/dev/urandom of=${name} bs=64k count=4 conv=fsync 2>/dev/null && sha256sum ${name}`;

/** The checksum `sha256sum` printed for `name` in a terminal's text (failing the test when it printed none). */
function checksumIn(text: string, name: string): string {
  const found = new RegExp(`\\b([0-9a-f]{64})  ${name}\\b`).exec(text);
  expect(found, `no checksum of ${name} in: ${text.slice(-400)}`).not.toBeNull();
  return found![1]!;
}

describe("a workspace that Swarm moves to the other worker, with a web terminal and an SSH shell open in it", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  let terminals: TerminalService;
  let endings: SessionEndings;
  let shells: Shells;
  const stops = new StopNotices();

  beforeAll(() => {
    info = readCluster();
    fx = swarmFixture(info, {}, { onEvent: (event) => stops.follow(event) });
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
    const changes = new WorkspaceChanges(fx.backend, log);
    endings = new SessionEndings(stops, new WorkspaceMoves({ changes, workspaces: fx.manager, backend: fx.backend, log }));
    shells = new Shells(fx.manager);
    const allowance = new TerminalAllowance({ maxOpen: 10, opensPerMinute: 100 });
    terminals = new TerminalService(fx.manager, shells, { ...TERMINAL_BUFFERS, graceMs: 60_000, allowance, endings }, log);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  const sshDeps = () => ({
    workspaces: fx.manager,
    shells,
    terminalAllowance: { start: () => {} },
    activity: { touch: () => {} },
    endings,
    metrics: { errors: { inc: () => {} }, sshSessions: { inc: () => {}, dec: () => {} } } as never,
  });

  it("tells both where it went, ends the SSH session with its own status, and a new terminal runs there", async () => {
    const first = await fx.manager.ensureRunning(alice);
    const from = first.node!;
    const to = workers(info).find((n) => n.name !== from)!.name;

    const session = await terminals.create(alice, SIZE);
    const web = recordingClient();
    session.attach(web.client, SIZE);
    session.input(web.client, "echo web-$((40+2))\n");
    await pollFor("the web terminal's echo", 30, async () => (web.text().includes("web-42") ? true : undefined));

    const ssh = openSshShell(sshDeps(), { ...alice, slug: first.slug });
    ssh.type("echo ssh-$((6*7))\n");
    await pollFor("the SSH shell's echo", 30, async () => (ssh.output().includes("ssh-42") ? true : undefined));

    // The move, made for real: the scheduler is told to run the workspace on the other worker, and does (a new
    // task and container there; the old container is stopped on its node), as it would after losing a machine.
    const service = managerEngine(info).getService(first.containerName);
    const spec = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { Placement?: { Constraints?: string[] }; ForceUpdate?: number } } };
    const template = spec.Spec.TaskTemplate;
    const constraints = (template.Placement?.Constraints ?? []).filter((c) => !c.startsWith("node.hostname"));
    await service.update({
      ...spec.Spec,
      TaskTemplate: { ...template, Placement: { ...template.Placement, Constraints: [...constraints, `node.hostname==${to}`] }, ForceUpdate: (template.ForceUpdate ?? 0) + 1 },
      version: spec.Version.Index,
    });

    const exit = await pollFor("the web terminal to end", 90, async () => web.state.exit);
    expect(exit.ending?.kind, JSON.stringify(exit)).toBe("moved");
    const said = endingMessage(exit.ending!, "web");
    expect(said).toMatch(MOVED);
    expect(said.match(MOVED)![1]).toBe(to);

    const status = await pollFor("the SSH session to end", 90, async () => ssh.exitStatus());
    expect(status, ssh.stderr()).toBe(MOVED_EXIT_STATUS);
    expect(ssh.stderr()).toContain(`Your workspace moved to another machine (${to}); this session's shell ended there. Connect again with the same ssh command to continue.`);

    // A page that comes back to the old terminal learns it moved; a new terminal runs in the moved workspace.
    expect(terminals.endingOf(alice, session.id)?.kind).toBe("moved");
    const again = await terminals.create(alice, SIZE);
    const next = recordingClient();
    again.attach(next.client, SIZE);
    again.input(next.client, "echo again-$((40+2))\n");
    await pollFor("the new terminal's echo", 30, async () => (next.text().includes("again-42") ? true : undefined));
    expect((await fx.manager.status(alice)).node).toBe(to);
    await terminals.close(alice, again.id);
  });

  it("a workspace stopped from the portal says so, not that it moved", async () => {
    await fx.manager.ensureRunning(alice);
    const session = await terminals.create(alice, SIZE);
    const web = recordingClient();
    session.attach(web.client, SIZE);
    const ssh = openSshShell(sshDeps(), { ...alice, slug: (await fx.manager.status(alice)).slug });
    ssh.type("echo up-$((1+1))\n");
    await pollFor("the SSH shell's echo", 30, async () => (ssh.output().includes("up-2") ? true : undefined));

    await fx.manager.stop(alice, "user");
    const exit = await pollFor("the web terminal to end", 60, async () => web.state.exit);
    expect(exit.ending).toEqual({ kind: "stopped", notice: { cause: "user" } });
    const status = await pollFor("the SSH session to end", 60, async () => ssh.exitStatus());
    expect(status).not.toBe(MOVED_EXIT_STATUS);
    expect(ssh.stderr()).toContain("The workspace was stopped from the portal. Connect again to start it.");
    expect(ssh.stderr()).not.toContain("moved");
  });

  // Its own waits (a start, a stop and a start again, up to two minutes for the move to be told, the node brought
  // back) add up to more than the suite's two minutes on a busy machine: it has five.
  it("a worker that dies under open sessions (off the network, their streams silent): both are told where it went", async () => {
    // The backend's keeper places a lost node's workspaces again (lib/backend/swarm/moves.ts). The first test pinned
    // this one to a worker: unpinned while stopped, it is placed by its own constraints at its next start. (Unpinned
    // while it runs, Swarm would leave its task where it is: a change of constraints that its node still meets
    // makes no new task.)
    const made = await fx.manager.ensureRunning(alice);
    await fx.manager.stop(alice, "user");
    const service = managerEngine(info).getService(made.containerName);
    const spec = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } };
    const template = spec.Spec.TaskTemplate;
    const constraints = (template.Placement?.Constraints ?? []).filter((c) => !c.startsWith("node.hostname"));
    await service.update({ ...spec.Spec, TaskTemplate: { ...template, Placement: { ...template.Placement, Constraints: constraints } }, version: spec.Version.Index });
    const first = await fx.manager.ensureRunning(alice);
    const victim = nodeNamed(info, first.node!);
    const to = workers(info).find((n) => n.name !== victim.name)!.name;
    const session = await terminals.create(alice, SIZE);
    const web = recordingClient();
    session.attach(web.client, SIZE);
    // A file written and fsynced through each door before the kill: its checksum as the shell printed it.
    session.input(web.client, `${writeSynced("via-web")} && echo web-$((40+2))\n`);
    await pollFor("the web terminal's echo", 30, async () => (web.text().includes("web-42") ? true : undefined));
    const ssh = openSshShell(sshDeps(), { ...alice, slug: first.slug });
    ssh.type(`${writeSynced("via-ssh")} && echo ssh-$((6*7))\n`);
    await pollFor("the SSH shell's echo", 30, async () => (ssh.output().includes("ssh-42") ? true : undefined));
    const sums = [checksumIn(web.text(), "via-web"), checksumIn(ssh.output(), "via-ssh")];

    const killed = Date.now();
    await clusterCommand("kill-node", String(victim.index));
    try {
      // Nothing comes back from the dead machine: the sessions learn of the move from the workspace's changes.
      const exit = await pollFor("the web terminal to end", 120, async () => web.state.exit);
      expect(exit.ending, JSON.stringify(exit)).toEqual({ kind: "moved", moved: { node: to, from: victim.name } });
      const status = await pollFor("the SSH session to end", 30, async () => ssh.exitStatus());
      expect(status, ssh.stderr()).toBe(MOVED_EXIT_STATUS);
      expect(ssh.stderr()).toContain(`Your workspace moved to another machine (${to})`);
      const told = Date.now() - killed;
      const again = await terminals.create(alice, SIZE);
      const next = recordingClient();
      again.attach(next.client, SIZE);
      again.input(next.client, "cd && sha256sum via-web via-ssh && echo again-$((40+2))\n");
      await pollFor("the new terminal's echo", 30, async () => (next.text().includes("again-42") ? true : undefined));
      // Every byte written and fsynced through the web terminal and the SSH shell before the kill is there.
      expect([checksumIn(next.text(), "via-web"), checksumIn(next.text(), "via-ssh")]).toEqual(sums);
      await terminals.close(alice, again.id);
      console.log(`[moves] sessions told of the move ${(told / 1000).toFixed(1)} s after the kill`);
    } finally {
      await clusterCommand("up");
    }
  }, 300_000);
});
