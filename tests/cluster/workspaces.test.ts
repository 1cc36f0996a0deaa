import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import { execIn, removeWorkspace, startWorkspace, WORKSPACE_PORT, type ClusterWorkspace } from "../support/cluster-workspace";

// The address is in the node's /24: compare the first three octets.
const net24 = (address: string) => address.split(".").slice(0, 3).join(".");

describe("workspaces on the test cluster", () => {
  let info: ClusterInfo;
  const names = ["t-ws-free", "t-ws-pinned"];
  const started: ClusterWorkspace[] = [];
  beforeAll(async () => {
    info = readCluster();
    // One placed by the cluster's constraints alone, one on the other worker, so both ranges are seen.
    started.push(await startWorkspace(info, names[0]!));
    const other = workers(info).find((w) => w.name !== started[0]!.node.name)!;
    started.push(await startWorkspace(info, names[1]!, { on: other.name }));
  });
  afterAll(async () => {
    for (const name of names) await removeWorkspace(info, name);
  });

  it("places a workspace constrained away from the manager on a worker, from the registry by digest", async () => {
    const [free] = started;
    expect(free!.node.role).toBe("worker");
    const container = await free!.engine.getContainer(free!.containerId).inspect();
    expect(container.Config.Image).toBe(info.images.test);
    expect(info.images.test).toMatch(new RegExp(`^${info.registry.address}/.+@sha256:[0-9a-f]{64}$`));
  });

  it("runs workspaces without new privileges, set on every node's engine (Swarm cannot set it per service)", async () => {
    for (const ws of started) {
      const { output } = await execIn(ws, ["sh", "-c", "grep NoNewPrivs /proc/self/status"]);
      expect(output).toMatch(/^NoNewPrivs:\s+1$/m);
    }
  });

  it("gives each worker's workspaces addresses from that worker's own range", () => {
    expect(new Set(started.map((w) => w.node.name)).size).toBe(2);
    for (const ws of started) expect(`${net24(ws.address)}.0/24`).toBe(ws.node.subnet);
  });

  it("lets the host reach a workspace's port through the route to its node", async () => {
    for (const ws of started) {
      const body = await pollFor(`http://${ws.address}:${WORKSPACE_PORT}/`, 30, async () => {
        const response = await fetch(`http://${ws.address}:${WORKSPACE_PORT}/`, { signal: AbortSignal.timeout(5000) });
        return response.ok ? await response.text() : undefined;
      });
      expect(body).toBe("ok\n");
    }
  });

  it("keeps the home on the GlusterFS volume: a file written inside is on the host's mount", async () => {
    for (const ws of started) {
      const { exitCode, output } = await execIn(ws, ["sh", "-c", `echo "from $(hostname) on ${ws.node.name}" > ~/proof && sync && awk '$2 == "/home/user" { print $3 }' /proc/mounts`]);
      expect(exitCode).toBe(0);
      expect(output.trim()).toBe("fuse.glusterfs");
      const onHost = path.join(info.homes.path, ws.service, "proof");
      const text = await pollFor(`${onHost} on the host`, 10, async () => (fs.existsSync(onHost) ? fs.readFileSync(onHost, "utf8") : undefined));
      expect(text).toMatch(new RegExp(` on ${ws.node.name}\\n$`));
      expect(fs.statSync(onHost).uid).toBe(1000);
    }
  });
});
