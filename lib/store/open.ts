import type { DatabaseConfig } from "../config/env";
import { openPostgresStore } from "./postgres";
import { openSqliteStore } from "./sqlite";
import type { PortalStore } from "./store";

/** The portal's database as configured, its schema brought up to date. */
export async function openStore(config: DatabaseConfig, dataRoot: string): Promise<PortalStore> {
  return config.kind === "postgres" ? openPostgresStore({ url: config.url, poolSize: config.poolSize }) : openSqliteStore(dataRoot);
}
