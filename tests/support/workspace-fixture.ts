import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import pino from "pino";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { loadConfig } from "../../lib/config/env";
import { UserRegistry } from "../../lib/identity/registry";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import type { ContainerRuntime } from "../../lib/runtime/runtime";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";
import { WorkspaceManager, type WorkspaceManagerDeps } from "../../lib/workspace/manager";
import { run as runHelper, type RunResult } from "../../lib/workspace/run";
import { workspaceSettings } from "../../lib/portal";
import type { WorkspaceSettings } from "../../lib/workspace/types";
import { removeInstance } from "./docker-cleanup";
import { DOCKER_SOCKET, TEST_IMAGE } from "./images";

export interface WorkspaceFixture {
  docker: Docker;
  dataRoot: string;
  settings: WorkspaceSettings;
  /** A manager as a freshly started portal process would build it (own database handle, no shared memory). */
  newManager(runtime?: ContainerRuntime): WorkspaceManager;
  manager: WorkspaceManager;
  /** The backend `manager` runs its workspaces on. */
  backend: DockerBackend;
  cleanup(): Promise<void>;
}

/**
 * A portal instance of its own on the real engine: unique instance label, name prefix, network and data root,
 * so tests never touch each other's or a developer's workspaces, and cleanup removes exactly what it made.
 */
export function workspaceFixture(env: Record<string, string> = {}, deps: Pick<WorkspaceManagerDeps, "homeReady" | "onEvent" | "gate"> = {}): WorkspaceFixture {
  const id = `t${process.pid.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), "portal-it-"));
  const config = loadConfig({
    DATA_ROOT: dataRoot,
    DOCKER_SOCKET,
    PORTAL_INSTANCE: id,
    WORKSPACE_IMAGE: TEST_IMAGE,
    WORKSPACE_NAME_PREFIX: `${id}-`,
    WORKSPACE_NETWORK: `${id}-net`,
    WORKSPACE_MEMORY: "512m",
    WORKSPACE_CPUS: "1",
    WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
    ...env,
  });
  const settings = workspaceSettings(config);
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  const databases: PortalDb[] = [];
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const newBackend = (runtime: ContainerRuntime = new DockerRuntime(DOCKER_SOCKET)) => new DockerBackend(runtime, settings);
  const newManager = (runtime?: ContainerRuntime, backend = newBackend(runtime)) => {
    const db = openSqliteStore(dataRoot).db;
    databases.push(db);
    return new WorkspaceManager({ backend, registry: new UserRegistry(db), settings, log, ...deps });
  };
  const backend = newBackend();
  return {
    docker,
    dataRoot,
    settings,
    newManager,
    manager: newManager(undefined, backend),
    backend,
    async cleanup() {
      await removeInstance(docker, id, settings.namePrefix, settings.network);
      for (const db of databases) await db.destroy();
      fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}

/** Runs a bash script as the workspace user and collects what it printed. */
export function run(manager: WorkspaceManager, user: { sub: string; username: string }, script: string): Promise<RunResult> {
  return runHelper(manager, user, ["bash", "-c", script]);
}
