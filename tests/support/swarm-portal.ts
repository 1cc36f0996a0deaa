import fs from "node:fs";
import path from "node:path";
import { LABEL } from "../../lib/backend/labels";
import { homePath } from "../../lib/workspace/home";
import { managerEngine, pollFor, type ClusterInfo } from "./cluster";
import { runningWorkspace, type ClusterWorkspace } from "./cluster-workspace";
import { startPortal, type PortalProcess } from "./portal-process";
import { swarmEnv } from "./swarm-fixture";

/** A real portal process whose workspaces run on the test cluster. */
export interface SwarmPortal extends PortalProcess {
  info: ClusterInfo;
  /** The user's running workspace as the cluster sees it (its node, container and address), waiting for it. */
  workspaceOf(username: string, seconds?: number): Promise<ClusterWorkspace>;
  /** The names of the services this portal made, by the owner's username. */
  services(): Promise<Map<string, string>>;
}

interface ServiceSeen {
  Spec: { Name: string; Labels?: Record<string, string> };
}

/** Every service of the instance, by label and by name prefix (a half-made one may carry only its name). */
async function servicesOf(info: ClusterInfo, instance: string): Promise<ServiceSeen[]> {
  const manager = managerEngine(info);
  const labelled = (await manager.listServices({ filters: { label: [`${LABEL.instance}=${instance}`] } })) as ServiceSeen[];
  const named = (await manager.listServices({ filters: { name: [`${instance}-`] } })) as ServiceSeen[];
  const byName = new Map([...labelled, ...named].map((s) => [s.Spec.Name, s]));
  return [...byName.values()];
}

/**
 * The real portal (server/index.ts) configured for the test cluster as an operator would: WORKSPACE_BACKEND=swarm
 * and the SWARM_* settings (swarmEnv), an instance label and name prefix of its own, its data root (homes,
 * identity files, database) on the cluster's homes volume. This host has routes to every node's workspace range,
 * so the proxy and the SSH gateway reach workspaces as on one host. Cleanup removes the instance's services and
 * its data root, and nothing else.
 */
export async function startSwarmPortal(info: ClusterInfo, env: Record<string, string> = {}): Promise<SwarmPortal> {
  const instance = `p${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const dataRoot = path.join(info.homes.path, `portal-${instance}`);
  fs.mkdirSync(dataRoot, { recursive: true });
  const removeWorkspaces = async () => {
    const manager = managerEngine(info);
    for (const service of await servicesOf(info, instance)) {
      await manager
        .getService(service.Spec.Name)
        .remove()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error;
        });
    }
  };
  let portal: PortalProcess;
  try {
    portal = await startPortal({ ...swarmEnv(info, instance, dataRoot), ...env }, undefined, { instance, dataRoot, removeWorkspaces });
  } catch (error) {
    await removeWorkspaces().catch(() => undefined);
    fs.rmSync(dataRoot, { recursive: true, force: true });
    throw error;
  }
  const services = async () => {
    const byUser = new Map<string, string>();
    for (const service of await servicesOf(info, instance)) {
      const username = service.Spec.Labels?.[LABEL.username];
      if (username) byUser.set(username, service.Spec.Name);
    }
    return byUser;
  };
  return {
    ...portal,
    // TEST_PORTAL_LOGS=<dir>: the portal's log is kept there after the test (to read what a failure hid).
    cleanup: async () => {
      if (process.env.TEST_PORTAL_LOGS) fs.writeFileSync(path.join(process.env.TEST_PORTAL_LOGS, `${instance}.log`), portal.logs());
      await portal.cleanup();
    },
    info,
    services,
    workspaceOf: async (username, seconds = 60) => {
      const service = await pollFor(`a service of ${username}'s`, seconds, async () => (await services()).get(username));
      const slug = service.slice(`${instance}-`.length);
      return runningWorkspace(info, service, homePath(dataRoot, slug), seconds);
    },
  };
}
