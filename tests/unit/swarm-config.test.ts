import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lib/config/env";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("WORKSPACE_BACKEND=swarm", () => {
  const certs = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-certs-"));
  for (const file of ["ca.pem", "cert.pem", "key.pem"]) fs.writeFileSync(path.join(certs, file), "pem");
  afterAll(() => fs.rmSync(certs, { recursive: true, force: true }));
  const complete = {
    WORKSPACE_BACKEND: "swarm",
    SWARM_MANAGER: "10.0.0.11:2376",
    SWARM_CERT_PATH: certs,
    SWARM_HOMES_PATH: "/srv/homes",
    SWARM_PLACEMENT: "node.role==worker; engine.labels.homes==glusterfs",
    SWARM_NETWORK: "ws",
    DATA_ROOT: "/srv/homes/portal",
    WORKSPACE_IMAGE: `registry:5000/workspace@${DIGEST}`,
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it("is off by default: the workspaces run on this host's engine, behind its egress firewall", () => {
    const config = loadConfig({});
    expect(config.backend).toEqual({ kind: "docker" });
    expect(config.egress).not.toBeNull();
  });

  it("reads the manager, certificates, homes, placement and network", () => {
    const config = loadConfig(complete);
    expect(config.backend).toEqual({
      kind: "swarm",
      manager: { host: "10.0.0.11", port: 2376 },
      certPath: certs,
      homesPath: "/srv/homes",
      constraints: ["node.role==worker", "engine.labels.homes==glusterfs"],
      network: "ws",
      nodePort: 2376,
      reserveFraction: 1,
      nodesNoNewPrivileges: false,
    });
    // The nodes keep their own firewall: this host's bridge carries no workspace traffic.
    expect(config.egress).toBeNull();
  });

  it("names each setting a swarm cannot do without", () => {
    const found = problems({ WORKSPACE_BACKEND: "swarm" });
    for (const name of ["SWARM_MANAGER", "SWARM_CERT_PATH", "SWARM_PLACEMENT", "SWARM_NETWORK", "SWARM_HOMES_PATH", "WORKSPACE_IMAGE"]) {
      expect(found.some((p) => p.startsWith(`${name}: `))).toBe(true);
    }
  });

  it("refuses a data root off the homes volume, an image not pinned by digest, and missing certificates", () => {
    expect(problems({ ...complete, DATA_ROOT: "/var/lib/portal" })).toEqual([
      expect.stringMatching(/^DATA_ROOT: must be a directory inside SWARM_HOMES_PATH \(\/srv\/homes\)/),
    ]);
    expect(problems({ ...complete, WORKSPACE_IMAGE: "registry:5000/workspace:latest" })).toEqual([
      expect.stringMatching(/^WORKSPACE_IMAGE: must be pinned by digest/),
    ]);
    expect(problems({ ...complete, SWARM_CERT_PATH: path.join(certs, "nowhere") })).toEqual([
      expect.stringMatching(/^SWARM_CERT_PATH: has no ca.pem, cert.pem, key.pem/),
    ]);
    expect(problems({ ...complete, SWARM_MANAGER: "tcp://10.0.0.11" })).toEqual([expect.stringMatching(/^SWARM_MANAGER: expected a manager's engine API as host:port/)]);
    expect(problems({ ...complete, SWARM_RESERVE: "2" })).toEqual([expect.stringMatching(/^SWARM_RESERVE: must be at most 1/)]);
  });
});
