import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, nodeEngine, nodeNamed, readCluster, workers, type ClusterInfo, type ClusterNode } from "../support/cluster";
import { IDLE, removeWorkspace, startWorkspace } from "../support/cluster-workspace";

/** Whether a TCP connection opens from inside a node's network namespace (3 s of silence: no). */
function nodeCanConnect(node: ClusterNode, host: string, port: number): Promise<boolean> {
  const script = 'timeout 3 bash -c "exec 3<>/dev/tcp/$0/$1" 2>/dev/null';
  return new Promise((resolve) => {
    execFile("nsenter", [`--net=/run/netns/${node.name}`, "bash", "-c", script, host, String(port)], (error) => resolve(!error));
  });
}

describe("faults the cluster script makes on request", () => {
  let info: ClusterInfo;
  let worker: ClusterNode;
  const name = "t-faults";
  beforeAll(() => {
    info = readCluster();
    worker = workers(info)[0]!;
  });
  afterAll(async () => {
    await clusterCommand("heal", String(worker.index)).catch(() => undefined);
    await removeWorkspace(info, name);
  });

  it("restarts a worker's engine, which then runs workspaces again on the swarm network (moby#37087 handled)", async () => {
    const ws = await startWorkspace(info, name, { on: worker.name, script: IDLE });
    await clusterCommand("restart-engine", String(worker.index));
    expect(await nodeEngine(info, worker).ping()).toBeTruthy();
    await removeWorkspace(info, name);
    const again = await startWorkspace(info, name, { on: worker.name, script: IDLE });
    expect(again.node.name).toBe(worker.name);
    expect(again.containerId).not.toBe(ws.containerId);
  });

  it("cuts a worker off from the manager only, and heals it", async () => {
    const manager = nodeNamed(info, info.manager);
    await clusterCommand("partition", String(worker.index));
    expect(await nodeCanConnect(worker, manager.address, info.ports.swarm)).toBe(false);
    expect(await nodeCanConnect(worker, info.storage.address, info.storage.ports[0]!)).toBe(true);
    expect(await nodeEngine(info, worker).ping()).toBeTruthy();
    await clusterCommand("heal", String(worker.index));
    expect(await nodeCanConnect(worker, manager.address, info.ports.swarm)).toBe(true);
  });
});
