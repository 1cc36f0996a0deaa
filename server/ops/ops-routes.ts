import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Portal } from "../../lib/portal";
import { sharedReadiness } from "./readiness";

/**
 * Endpoints for operators and their tools: liveness, readiness (Docker reachable, database writable, egress rules
 * in place; one round shared by the calls within READYZ_CACHE_SECONDS), and
 * Prometheus metrics for admins or a scraper holding METRICS_TOKEN.
 */
export function opsRoutes(portal: Portal) {
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

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (path === "/readyz") {
      const { ready, checks } = await readiness.get();
      send(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks });
      return true;
    }
    if (path === "/metrics") {
      if (!(await allowedMetrics(req))) {
        send(res, 403, { error: "Metrics are for admins, or for a scraper with METRICS_TOKEN." });
        return true;
      }
      res.writeHead(200, { "content-type": portal.metrics.registry.contentType, "cache-control": "no-store" });
      res.end(await portal.metrics.registry.metrics());
      return true;
    }
    return false;
  };
}
