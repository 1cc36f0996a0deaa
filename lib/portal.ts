import type { PortalConfig } from "./config/env";
import { UserRegistry } from "./identity/registry";
import { createLogger, type Logger } from "./log";
import { DockerRuntime } from "./runtime/docker/docker-runtime";
import type { ContainerRuntime } from "./runtime/runtime";
import { openDatabase, type PortalDatabase } from "./store/db";
import { WorkspaceManager } from "./workspace/manager";
import type { WorkspaceSettings } from "./workspace/types";

/** Everything the doors share, wired once per process. */
export interface Portal {
  config: PortalConfig;
  log: Logger;
  db: PortalDatabase;
  registry: UserRegistry;
  runtime: ContainerRuntime;
  workspaces: WorkspaceManager;
  close(): void;
}

export function workspaceSettings(config: PortalConfig): WorkspaceSettings {
  return { dataRoot: config.dataRoot, instance: config.instance, ...config.workspace };
}

export function createPortal(config: PortalConfig, log: Logger = createLogger(config.logLevel)): Portal {
  const db = openDatabase(config.dataRoot);
  const registry = new UserRegistry(db);
  const runtime = new DockerRuntime(config.dockerSocket);
  const workspaces = new WorkspaceManager(runtime, registry, workspaceSettings(config), log.child({ component: "workspaces" }));
  return { config, log, db, registry, runtime, workspaces, close: () => db.close() };
}
