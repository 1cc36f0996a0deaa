import type { Portal } from "../../lib/portal";
import { proveWritable } from "../../lib/store/db";
import { SharedCheck } from "../../lib/util/shared-check";
import { lxcfsProblem } from "../../lib/workspace/lxcfs";

export interface Readiness {
  ready: boolean;
  /** "ok", or what is wrong, per part. */
  checks: Record<string, string>;
}

/** One round of readiness checks: Docker reachable, database writable, egress rules in place, LXCFS serving. */
export async function checkReadiness(portal: Portal): Promise<Readiness> {
  portal.metrics.readinessChecks.inc();
  const checks: Record<string, string> = {};
  try {
    await portal.runtime.ping();
    checks.docker = "ok";
  } catch (error) {
    checks.docker = (error as Error).message;
  }
  try {
    proveWritable(portal.db);
    checks.database = "ok";
  } catch (error) {
    checks.database = (error as Error).message;
  }
  if (portal.egress) checks.egress = (await portal.egress.problem()) ?? "ok";
  const procBinds = portal.workspaces.settings.procBinds;
  if (procBinds.length > 0) checks.lxcfs = lxcfsProblem(procBinds) ?? "ok";
  return { ready: Object.values(checks).every((v) => v === "ok"), checks };
}

/**
 * /readyz needs no sign-in, and a round costs iptables processes, a Docker call and the database's write lock: so
 * a flood of calls (a load balancer's, or anybody's) shares one round every READYZ_CACHE_SECONDS.
 */
export function sharedReadiness(portal: Portal): SharedCheck<Readiness> {
  return new SharedCheck(() => checkReadiness(portal), portal.config.readyzCacheMs);
}
