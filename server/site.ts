import type { AppAddress } from "../lib/apps/app-address";
import type { AppsDomain } from "../lib/apps/apps-domain";

/** Who a request is for, by its Host header: the portal itself, one workspace app, or nobody we serve. */
export type Site = { kind: "portal" } | { kind: "app"; address: AppAddress } | { kind: "unknown" };

/** The operators' probes: answered under any name but an app's (see `siteOf`). */
export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;
export type OpsPath = (typeof OPS_PATHS)[number];
const OPS = new Set<string>(OPS_PATHS);

/**
 * One process serves the portal and every app, told apart by Host alone. A Host that is neither is refused
 * (a page reaching this process under another name, as DNS rebinding does, gets nothing), except the operators'
 * probes, which load balancers and scrapers send to an address.
 */
export function siteOf(publicUrl: URL, apps: AppsDomain) {
  const portalHost = publicUrl.host.toLowerCase();
  const portalHostWithPort = publicUrl.port ? null : `${portalHost}:${publicUrl.protocol === "https:" ? 443 : 80}`;
  return (hostHeader: string | undefined): Site => {
    const host = hostHeader?.toLowerCase();
    if (host === portalHost || host === portalHostWithPort) return { kind: "portal" };
    const address = apps.addressOf(host);
    return address ? { kind: "app", address } : { kind: "unknown" };
  };
}

export function isOpsPath(url: string | undefined): boolean {
  return OPS.has((url ?? "").split("?")[0]!);
}
