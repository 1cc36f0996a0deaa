import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { swarmBackend } from "../../lib/backend/swarm/from-config";
import type { SwarmBackend } from "../../lib/backend/swarm/swarm-backend";
import { LABEL } from "../../lib/backend/labels";
import { loadConfig, type PortalConfig, type SwarmConfig } from "../../lib/config/env";
import { UserRegistry } from "../../lib/identity/registry";
import { workspaceSettings } from "../../lib/portal";
import { openSqliteStore } from "../../lib/store/sqlite";
import { WorkspaceManager, type WorkspaceManagerDeps } from "../../lib/workspace/manager";
import type { WorkspaceSettings } from "../../lib/workspace/types";
import { nodeNamed, type ClusterInfo } from "./cluster";

export interface SwarmFixture {
  config: PortalConfig;
  settings: WorkspaceSettings;
  backend: SwarmBackend;
  manager: WorkspaceManager;
  /** The portal's data root: on the cluster's homes volume, as a swarm portal's must be. */
  dataRoot: string;
  /** Every move the backend's keeper made, as it logged it: which workspace, and why. */
  moves: Array<{ workspace: string; why: string }>;
  cleanup(): Promise<void>;
}

/**
 * What an operator sets for a portal on the test cluster (WORKSPACE_BACKEND=swarm and the cluster's env), with an
 * instance label and name prefix of its own and its data root on the homes volume; small limits, so many fit.
 */
export function swarmEnv(info: ClusterInfo, instance: string, dataRoot: string): Record<string, string> {
  const manager = nodeNamed(info, info.manager);
  return {
    DATA_ROOT: dataRoot,
    PORTAL_INSTANCE: instance,
    WORKSPACE_BACKEND: "swarm",
    SWARM_MANAGER: `${manager.address}:${manager.port}`,
    SWARM_CERT_PATH: path.dirname(info.tls.cert),
    SWARM_HOMES_PATH: info.homes.path,
    SWARM_PLACEMENT: info.placement.constraints.join(";"),
    SWARM_NETWORK: info.network.name,
    SWARM_NODE_PORT: String(info.ports.engine),
    // The cluster's engines run with --no-new-privileges (scripts/cluster/lib/node.sh).
    SWARM_NODES_NO_NEW_PRIVILEGES: "true",
    WORKSPACE_IMAGE: info.images.test,
    WORKSPACE_NAME_PREFIX: `${instance}-`,
    WORKSPACE_MEMORY: "256m",
    WORKSPACE_CPUS: "0.5",
    WORKSPACE_PIDS: "100",
    WORKSPACE_TMP_SIZE: "16m",
    WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
    WORKSPACE_LXCFS: "no",
  };
}

/**
 * A portal instance of its own on the test cluster, configured as an operator would (WORKSPACE_BACKEND=swarm and
 * the cluster's env): unique instance label and name prefix, its data root on the homes volume (the database
 * beside it in a local directory), so tests never touch each other's workspaces and cleanup removes what it made.
 */
export function swarmFixture(info: ClusterInfo, env: Record<string, string> = {}, deps: Pick<WorkspaceManagerDeps, "limitsFor" | "homeReady" | "beforeStart" | "gate" | "onEvent"> = {}): SwarmFixture {
  const id = `t${process.pid.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const dataRoot = path.join(info.homes.path, `portal-${id}`);
  const dbRoot = fs.mkdtempSync(path.join(os.tmpdir(), "portal-swarm-"));
  const config = loadConfig({ ...swarmEnv(info, id, dataRoot), ...env });
  const settings = workspaceSettings(config);
  const backend = swarmBackend(config, config.backend as SwarmConfig);
  const db = openSqliteStore(dbRoot).db;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  // As the portal does (lib/portal.ts): workspaces the swarm takes away are started again elsewhere. Its log lines
  // are kept, so a test can tell that a move happened without having to catch the short moment it was under way.
  const moves: SwarmFixture["moves"] = [];
  const keeperLog = pino({ level: "warn" }, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; workspace?: string; why?: string };
      if (entry.msg?.startsWith("workspace moved") && entry.workspace && entry.why) moves.push({ workspace: entry.workspace, why: entry.why });
    },
  });
  const stopKeeping = backend.keep(keeperLog);
  return {
    config,
    settings,
    backend,
    manager: new WorkspaceManager({ backend, registry: new UserRegistry(db), settings, log, ...deps }),
    dataRoot,
    moves,
    async cleanup() {
      stopKeeping();
      for (const placement of await backend.list({ [LABEL.instance]: id })) await backend.remove(placement.slug);
      await db.destroy();
      fs.rmSync(dbRoot, { recursive: true, force: true });
      // On GlusterFS a directory a moment ago written by a container that just ended may still look not empty.
      fs.rmSync(dataRoot, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
    },
  };
}
