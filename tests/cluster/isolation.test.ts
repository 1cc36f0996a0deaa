import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeNamed, pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import {
  hostCanConnect,
  openFromInside,
  removeWorkspace,
  startWorkspace,
  WORKSPACE_PORT,
  type ClusterWorkspace,
} from "../support/cluster-workspace";

describe("isolation of workspaces on the test cluster (the nodes' firewalls)", () => {
  let info: ClusterInfo;
  let prober: ClusterWorkspace, neighbour: ClusterWorkspace, remote: ClusterWorkspace;
  let hostListener: net.Server;
  let hostPort: number;
  const names = ["t-iso-prober", "t-iso-neighbour", "t-iso-remote"];

  beforeAll(async () => {
    info = readCluster();
    const [w1, w2] = workers(info);
    [prober, neighbour, remote] = await Promise.all([
      startWorkspace(info, names[0]!, { on: w1!.name }),
      startWorkspace(info, names[1]!, { on: w1!.name }),
      startWorkspace(info, names[2]!, { on: w2!.name }),
    ]);
    // A port of the portal host's own, listening on all its addresses (the lab's and the machine's).
    hostListener = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => hostListener.listen(0, "0.0.0.0", resolve));
    hostPort = (hostListener.address() as net.AddressInfo).port;
    for (const ws of [prober, neighbour, remote]) {
      await pollFor(`${ws.service} listening`, 30, async () => ((await hostCanConnect(ws.address, WORKSPACE_PORT)) ? true : undefined));
    }
  });
  afterAll(async () => {
    hostListener?.close();
    for (const name of names) await removeWorkspace(info, name);
  });

  /** Everything a workspace must not open: other workspaces, every node's ports, storage, registry, the host. */
  function forbidden(): string[] {
    const manager = nodeNamed(info, info.manager);
    return [
      `${neighbour.address}:${WORKSPACE_PORT}`,
      `${remote.address}:${WORKSPACE_PORT}`,
      // The prober's own node among them: a workspace reaches its node's ports through the node's input.
      ...info.nodes.map((n) => `${n.address}:${info.ports.engine}`),
      `${manager.address}:${info.ports.swarm}`,
      ...info.storage.ports.map((port) => `${info.storage.address}:${port}`),
      info.registry.address,
      `${info.portalAddress}:${hostPort}`,
    ];
  }

  it("lets the portal host open every one of those (the positive control)", async () => {
    for (const target of forbidden()) {
      const [host, port] = target.split(":");
      expect(await hostCanConnect(host!, Number(port)), target).toBe(true);
    }
  });

  it("lets a workspace open its own port (the probe itself works)", async () => {
    expect(await openFromInside(prober, [`127.0.0.1:${WORKSPACE_PORT}`])).toEqual([`127.0.0.1:${WORKSPACE_PORT}`]);
  });

  it("keeps a workspace from opening any other workspace, any engine API, the manager, storage, registry or host", async () => {
    expect(await openFromInside(prober, forbidden())).toEqual([]);
    expect(await openFromInside(remote, [`${prober.address}:${WORKSPACE_PORT}`, `${neighbour.address}:${WORKSPACE_PORT}`])).toEqual([]);
  });
});
