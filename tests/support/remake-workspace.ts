import pino from "pino";
import { expect } from "vitest";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { LABEL } from "../../lib/backend/labels";
import { loadConfig } from "../../lib/config/env";
import { UserRegistry } from "../../lib/identity/registry";
import { workspaceSettings } from "../../lib/portal";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { openSqliteStore } from "../../lib/store/sqlite";
import { WorkspaceManager } from "../../lib/workspace/manager";
import { DOCKER_SOCKET } from "./images";
import type { PortalProcess } from "./portal-process";

/**
 * Makes a user's running workspace anew behind the portal's back, as another portal process of the same instance
 * would once an operator renamed its container: a new container (waiting for the lease), then the old one stopped,
 * so the new one takes over. `env` is what the portal was started with beyond startPortal's defaults. Returns the
 * old container's id, left stopped under another name for the caller to remove.
 */
export async function remakeBehindPortal(portal: PortalProcess, sub: string, env: Record<string, string> = {}): Promise<string> {
  const [old] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.ownerSub}=${sub}`] } });
  if (!old) throw new Error(`no running workspace of ${sub}`);
  const oldName = old.Names[0]!.replace(/^\//, "");
  await portal.docker.getContainer(old.Id).rename({ name: `${oldName}-replaced` });
  const config = loadConfig({
    DATA_ROOT: portal.dataRoot,
    DOCKER_SOCKET,
    PORTAL_INSTANCE: portal.instance,
    WORKSPACE_NAME_PREFIX: `${portal.instance}-`,
    WORKSPACE_NETWORK: `${portal.instance}-net`,
    WORKSPACE_MEMORY: "512m",
    WORKSPACE_CPUS: "1",
    WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
    ...env,
  });
  const db = openSqliteStore(portal.dataRoot).db;
  try {
    const backend = new DockerBackend(new DockerRuntime(DOCKER_SOCKET), { instance: portal.instance, namePrefix: config.workspace.namePrefix, network: config.workspace.network });
    const other = new WorkspaceManager({ backend, registry: new UserRegistry(db), settings: workspaceSettings(config), log: pino({ level: "silent" }) });
    const user = { sub, username: old.Labels[LABEL.username]! };
    const remade = other.ensureRunning(user);
    const slug = old.Labels[LABEL.slug]!;
    await expect
      .poll(async () => {
        const now = await backend.find(slug);
        return now?.state === "running" && now.instanceId !== old.Id;
      }, { timeout: 30_000 })
      .toBe(true);
    await portal.docker.getContainer(old.Id).stop({ t: 1 });
    expect((await remade).state).toBe("running");
  } finally {
    await db.destroy();
  }
  return old.Id;
}
