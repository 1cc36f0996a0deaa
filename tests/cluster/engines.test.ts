import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, managerEngine, nodeEngine, readCluster, workers, type ClusterInfo } from "../support/cluster";

describe("the test cluster's engines and swarm", () => {
  let info: ClusterInfo;
  beforeAll(() => {
    info = readCluster();
  });

  it("refuses a client without a certificate on every node's API, and answers the portal's", async () => {
    for (const node of info.nodes) {
      const error = await nodeEngine(info, node, { certificate: false })
        .ping()
        .then(() => null, (e: Error) => e);
      expect(error, `${node.name} answered a client without a certificate`).not.toBeNull();
      expect(error!.message).toMatch(/certificate|handshake|socket hang up|ECONNRESET/i);
      const seen = await nodeEngine(info, node).info();
      expect(seen.Name).toBe(node.name);
    }
  });

  it("is one swarm of three ready nodes: a drained manager and two workers that advertise the homes mount", async () => {
    const nodes = (await managerEngine(info).listNodes()) as Array<{
      Description: { Hostname: string; Engine: { Labels?: Record<string, string> } };
      Spec: { Role: string; Availability: string };
      Status: { State: string };
    }>;
    const seen = nodes
      .map((n) => ({
        name: n.Description.Hostname,
        role: n.Spec.Role,
        availability: n.Spec.Availability,
        state: n.Status.State,
        homes: n.Description.Engine.Labels?.["org.scitex.portal.homes"] ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(seen).toEqual(
      info.nodes.map((n) =>
        n.role === "manager"
          ? { name: n.name, role: "manager", availability: "drain", state: "ready", homes: null }
          : { name: n.name, role: "worker", availability: "active", state: "ready", homes: "glusterfs" },
      ),
    );
    expect(workers(info)).toHaveLength(2);
    expect(info.placement.constraints).toEqual(["node.role==worker", "engine.labels.org.scitex.portal.homes==glusterfs"]);
  });

  it("gives no machine of the lab a default route, so nothing from it leaves the host", () => {
    for (const ns of [...info.nodes.map((n) => n.name), `${info.prefix}-st`, `${info.prefix}-lan`]) {
      const routes = execFileSync("ip", ["-n", ns, "route", "show"], { encoding: "utf8" });
      expect(routes, ns).not.toMatch(/^default/m);
    }
  });

  it("has the workers fail at once to pull from anywhere but the registry: they resolve no names", async () => {
    const [worker] = workers(info);
    const error = await nodeEngine(info, worker!)
      .pull("busybox:latest")
      .then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/lookup registry-1\.docker\.io on 127\.0\.0\.1:53: .*connection refused/);
  });

  it("sets Swarm's heartbeat on request and writes it to the env file", async () => {
    const period = async () => ((await managerEngine(info).swarmInspect()) as { Spec: { Dispatcher: { HeartbeatPeriod: number } } }).Spec.Dispatcher.HeartbeatPeriod;
    const before = info.heartbeat;
    try {
      await clusterCommand("heartbeat", "2s");
      expect(await period()).toBe(2e9);
      expect(readCluster().heartbeat).toBe("2s");
    } finally {
      await clusterCommand("heartbeat", before);
    }
    expect(readCluster().heartbeat).toBe(before);
  });
});
