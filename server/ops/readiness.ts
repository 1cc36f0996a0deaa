import type { PortalConfig } from "../../lib/config/env";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import type { EgressFirewall } from "../../lib/network/egress-firewall";
import type { WorkspaceBackend } from "../../lib/backend/backend";
import type { PortalStore } from "../../lib/store/store";
import { SharedCheck } from "../../lib/util/shared-check";
import { lxcfsProblem } from "../../lib/workspace/lxcfs";
import type { WorkspaceSettings } from "../../lib/workspace/types";

/** What a readiness round looks at: Docker, the database, the egress rules, the LXCFS binds; and how often. */
export interface ReadinessDeps {
  config: Pick<PortalConfig, "readyzCacheMs">;
  backend: Pick<WorkspaceBackend, "ping">;
  store: Pick<PortalStore, "proveWritable" | "kind">;
  egress: Pick<EgressFirewall, "problem"> | null;
  workspaces: { settings: Pick<WorkspaceSettings, "procBinds"> };
  metrics: Pick<PortalMetrics, "readinessChecks">;
}

export interface Readiness {
  ready: boolean;
  /** Which database the portal's records are on: several processes behind one address share a PostgreSQL one. */
  database: PortalStore["kind"];
  /** "ok", or what is wrong, per part. */
  checks: Record<string, string>;
}

/** One round of readiness checks: Docker reachable, database writable, egress rules in place, LXCFS serving. */
export async function checkReadiness(portal: ReadinessDeps): Promise<Readiness> {
  portal.metrics.readinessChecks.inc();
  const checks: Record<string, string> = {};
  try {
    await portal.backend.ping();
    checks.docker = "ok";
  } catch (error) {
    checks.docker = (error as Error).message;
  }
  try {
    await portal.store.proveWritable();
    checks.database = "ok";
  } catch (error) {
    checks.database = (error as Error).message;
  }
  if (portal.egress) checks.egress = (await portal.egress.problem()) ?? "ok";
  const procBinds = portal.workspaces.settings.procBinds;
  if (procBinds.length > 0) checks.lxcfs = lxcfsProblem(procBinds) ?? "ok";
  return { ready: Object.values(checks).every((v) => v === "ok"), database: portal.store.kind, checks };
}

/**
 * /readyz needs no sign-in, and a round costs iptables processes, a Docker call and the database's write lock: so
 * a flood of calls (a load balancer's, or anybody's) shares one round every READYZ_CACHE_SECONDS.
 */
export function sharedReadiness(portal: ReadinessDeps): SharedCheck<Readiness> {
  return new SharedCheck(() => checkReadiness(portal), portal.config.readyzCacheMs);
}
