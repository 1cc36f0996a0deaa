import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, managerEngine, pollFor, readCluster, workers, type ClusterInfo, type ClusterNode } from "../support/cluster";
import { hostCanConnect, IDLE, removeWorkspace, startWorkspace, type ClusterWorkspace } from "../support/cluster-workspace";

/** Every pid in the node's cgroup tree (the freezer hierarchy holds the daemons and every container). */
function pidsOf(node: ClusterNode): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (entry.name === "cgroup.procs") pids.push(...fs.readFileSync(path.join(dir, entry.name), "utf8").split("\n").filter(Boolean).map(Number));
    }
  };
  walk(`/sys/fs/cgroup/freezer/${node.cgroup}`);
  return pids;
}

/** A process's state and start time (so a pid reused by another process is not taken for the same one). */
function stat(pid: number): { state: string; started: string } | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    return { state: fields[0]!, started: fields[19]! };
  } catch {
    return null;
  }
}

/** Whether the process seen before has exited (reaped, or a zombie awaiting it). */
function dead(pid: number, started: string): boolean {
  const now = stat(pid);
  return now === null || now.state === "Z" || now.started !== started;
}

describe("a node's death (cluster.sh kill-node)", () => {
  let info: ClusterInfo;
  let victim: ClusterNode;
  let ws: ClusterWorkspace;
  const name = "t-death";

  beforeAll(async () => {
    info = readCluster();
    victim = workers(info).at(-1)!;
    ws = await startWorkspace(info, name, { on: victim.name, script: "sleep 600 & exec sleep 600" });
  });
  afterAll(async () => {
    await removeWorkspace(info, name);
  });

  it("kills every process of the node, the engine's and the workspace's alike, and takes it off the network", async () => {
    const before = pidsOf(victim).map((pid) => ({ pid, started: stat(pid)?.started ?? "" }));
    const dockerd = Number(fs.readFileSync(path.join(path.dirname(victim.socket), "docker.pid"), "utf8"));
    // The premise of killing by cgroup: the workspace and the engine are both in the node's tree.
    expect(before.map((p) => p.pid)).toContain(ws.pid);
    expect(before.map((p) => p.pid)).toContain(dockerd);
    expect(before.length).toBeGreaterThan(4);

    await clusterCommand("kill-node", String(victim.index));

    expect(before.filter((p) => !dead(p.pid, p.started))).toEqual([]);
    expect(pidsOf(victim)).toEqual([]);
    // Off the network like a machine without power: nothing answers, not even a refusal.
    expect(await hostCanConnect(victim.address, victim.port)).toBe(false);
  });

  it("does not start its engine again while it cannot mount the homes volume", async () => {
    // The storage refuses the dead node's connections (a rule in the node's own firewall, taken out below).
    const rule = ["-d", info.storage.address, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"];
    const iptables = (op: string) => execFileSync("nsenter", [`--net=/run/netns/${victim.name}`, "iptables", "-w", "5", op, "OUTPUT", ...rule]);
    iptables("-I");
    try {
      await expect(clusterCommand("up")).rejects.toThrow(/could not mount the homes volume/);
      expect(pidsOf(victim)).toEqual([]);
    } finally {
      iptables("-D");
    }
  });

  it("comes back with `up`, ready in the swarm and running workspaces again", async () => {
    await removeWorkspace(info, name);
    await clusterCommand("up");
    await pollFor(`${victim.name} ready`, 60, async () => {
      const node = (await managerEngine(info).getNode(victim.name).inspect()) as { Status: { State: string } };
      return node.Status.State === "ready" ? true : undefined;
    });
    ws = await startWorkspace(info, name, { on: victim.name, script: IDLE });
    expect(ws.node.name).toBe(victim.name);
  });
});
