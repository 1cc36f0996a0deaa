import type { Logger } from "pino";
import type { PortalConfig } from "../config/env";
import { usersRoot } from "../workspace/home";
import { GlusterQuota } from "./glusterfs-quota";
import type { HomeStorage } from "./home-storage";
import { XfsProjectQuota } from "./xfs-project-quota";

/** The homes' storage the configuration names (HOMES_STORAGE); a GlusterFS one must be mounted already. */
export function homeStorage(config: PortalConfig, log: Logger): HomeStorage {
  const root = usersRoot(config.dataRoot);
  const storage = config.workspace.homeStorage;
  return storage.kind === "glusterfs" ? new GlusterQuota(root, storage.cli, log) : new XfsProjectQuota(root, log);
}
