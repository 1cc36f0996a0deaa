import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthService } from "../../lib/auth/auth-service";
import type { PortalConfig } from "../../lib/config/env";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import type { Door } from "../router";
import { OPS_PATHS, type OpsPath } from "../site";
import { sharedReadiness, type ReadinessDeps } from "./readiness";

/** What the probes read of the portal: readiness's parts, the metrics, and who may read them. */
export type OpsDeps = ReadinessDeps & {
  config: Pick<PortalConfig, "metricsToken">;
  auth: Pick<AuthService, "userFromCookieHeader">;
  metrics: Pick<PortalMetrics, "exposition" | "contentType">;
};

/**
 * Endpoints for operators and their tools: liveness, readiness (Docker reachable, database writable, egress rules
 * in place; one round shared by the calls within READYZ_CACHE_SECONDS), and
 * Prometheus metrics for admins or a scraper holding METRICS_TOKEN.
 */
export function opsDoors(portal: OpsDeps): Door<"portal" | "unknown">[] {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  const readiness = sharedReadiness(portal);

  const allowedMetrics = async (req: IncomingMessage): Promise<boolean> => {
    const token = portal.config.metricsToken;
    const given = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (token && given && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token))) return true;
    const user = await portal.auth.userFromCookieHeader(req.headers.cookie);
    return user?.isAdmin === true;
  };

  const answers: Record<OpsPath, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    "/healthz": async (_req, res) => send(res, 200, { status: "ok" }),
    "/readyz": async (_req, res) => {
      const { ready, database, checks } = await readiness.get();
      send(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", database, checks });
    },
    "/metrics": async (req, res) => {
      if (!(await allowedMetrics(req))) return send(res, 403, { error: "Metrics are for admins, or for a scraper with METRICS_TOKEN." });
      res.writeHead(200, { "content-type": portal.metrics.contentType, "cache-control": "no-store" });
      res.end(await portal.metrics.exposition());
    },
  };
  // Load balancers and scrapers send their probes to an address, not the portal's name.
  return OPS_PATHS.map((path): Door<"portal" | "unknown"> => ({ name: "ops", sites: ["portal", "unknown"], prefix: path, request: answers[path] }));
}
