import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { SessionUser } from "../../lib/auth/session-user";
import type { Portal } from "../../lib/portal";
import { refuse } from "../upgrade-router";
import { filterSetCookie, forwardedHeaders, rewriteLocation, withoutPortalCookies } from "./headers";
import { badGatewayPage, forbiddenPage, startingPage } from "./pages";
import { parseWorkspaceRoute, type WorkspaceRoute } from "./route";
import { TargetResolver } from "./targets";

export const WORKSPACE_PROXY_PREFIX = "/workspace/";

type ProxiedRequest = IncomingMessage & { workspaceRoute?: WorkspaceRoute; portalUser?: SessionUser };

/**
 * VS Code and port previews, each under its workspace's URL, open to the workspace's owner only. The portal's
 * cookies are taken off every request before it reaches the container, and the container cannot set them.
 */
export class WorkspaceProxy {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  private readonly proxy = createProxyServer({ agent: this.agent, proxyTimeout: 120_000, ws: true });
  private readonly targets: TargetResolver;

  constructor(
    private readonly portal: Portal,
    private readonly log: Logger,
  ) {
    this.targets = new TargetResolver(portal);
    this.proxy.on("proxyRes", (proxyRes, req) => {
      const route = (req as ProxiedRequest).workspaceRoute;
      const cookies = filterSetCookie(proxyRes.headers["set-cookie"]);
      if (cookies) proxyRes.headers["set-cookie"] = cookies;
      if (route) proxyRes.headers.location = rewriteLocation(proxyRes.headers.location, route.prefix);
      this.portal.metrics.proxyRequests.inc({ app: route?.app.kind ?? "code", status: `${Math.floor((proxyRes.statusCode ?? 500) / 100)}xx` });
    });
    this.proxy.on("error", (error, req, resOrSocket) => this.onProxyError(error, req as ProxiedRequest, resOrSocket));
  }

  /** True when the request was one of ours (and has been answered or forwarded). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const route = req.url ? parseWorkspaceRoute(req.url) : null;
    if (!route) return false;
    void this.web(req as ProxiedRequest, res, route).catch((error: unknown) => {
      this.log.error({ err: error }, "proxy request failed");
      badGatewayPage(res, "The workspace", "The portal could not forward this request. Retry in a moment.");
    });
    return true;
  }

  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = req.url ? parseWorkspaceRoute(req.url) : null;
    if (!route) return refuse(socket, 404, "Not Found");
    void this.ws(req as ProxiedRequest, socket, head, route).catch((error: unknown) => {
      this.log.warn({ err: error }, "proxied upgrade failed");
      refuse(socket, 502, "Bad Gateway");
    });
  };

  close(): void {
    this.proxy.close();
    this.agent.destroy();
  }

  private async web(req: ProxiedRequest, res: ServerResponse, route: WorkspaceRoute): Promise<void> {
    const user = await this.portal.auth.userFromCookieHeader(req.headers.cookie);
    if (!user) {
      res.writeHead(302, { location: `/signin?callbackUrl=${encodeURIComponent(req.url ?? "/")}`, "cache-control": "no-store" });
      return void res.end();
    }
    if (!this.owns(user, route)) return forbiddenPage(res);
    if (route.needsSlash) {
      const q = req.url!.indexOf("?");
      res.writeHead(301, { location: `${route.prefix}/${q < 0 ? "" : req.url!.slice(q)}` });
      return void res.end();
    }
    const target = await this.targets.resolve(user, route.app);
    if (target.kind === "starting") {
      // A page navigation gets a page that starts things with visible progress; an asset or API call does not.
      if (req.method === "GET" && accepts(req, "text/html")) {
        return startingPage(res, route.app.kind === "code" ? "code" : "workspace");
      }
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "2" });
      return void res.end("The workspace is not running.");
    }
    this.prepare(req, route, user);
    this.portal.activity.touch(user.sub, route.app.kind === "code" ? "vscode" : "port");
    this.proxy.web(req, res, { target: target.base });
  }

  private async ws(req: ProxiedRequest, socket: Duplex, head: Buffer, route: WorkspaceRoute): Promise<void> {
    if (req.headers.origin !== this.portal.config.publicUrl.origin) return refuse(socket, 403, "Forbidden");
    const user = await this.portal.auth.userFromCookieHeader(req.headers.cookie);
    if (!user) return refuse(socket, 401, "Unauthorized");
    if (!this.owns(user, route)) return refuse(socket, 403, "Forbidden");
    const target = await this.targets.resolve(user, route.app);
    if (target.kind === "starting") return refuse(socket, 503, "Service Unavailable");
    this.prepare(req, route, user);
    countUserTraffic(socket, () => this.portal.activity.touch(user.sub, route.app.kind === "code" ? "vscode" : "port"));
    this.proxy.ws(req, socket, head, { target: target.base });
  }

  private owns(user: SessionUser, route: WorkspaceRoute): boolean {
    return this.portal.registry.bySub(user.sub)?.slug === route.name;
  }

  private prepare(req: ProxiedRequest, route: WorkspaceRoute, user: SessionUser): void {
    req.workspaceRoute = route;
    req.portalUser = user;
    req.url = route.upstreamPath;
    const cookie = withoutPortalCookies(req.headers.cookie);
    if (cookie) req.headers.cookie = cookie;
    else delete req.headers.cookie;
    Object.assign(req.headers, forwardedHeaders(req.headers, this.portal.config.publicUrl, req.socket.remoteAddress));
  }

  private onProxyError(error: Error, req: ProxiedRequest, resOrSocket: unknown): void {
    const route = req.workspaceRoute;
    if (route && req.portalUser) this.targets.forget(req.portalUser, route.app);
    const code = (error as NodeJS.ErrnoException).code;
    this.log.debug({ err: error, code, url: req.url }, "proxy upstream error");
    this.portal.metrics.proxyRequests.inc({ app: route?.app.kind ?? "code", status: "error" });
    if (!(resOrSocket instanceof http.ServerResponse)) return void (resOrSocket as Duplex).destroy();
    const what = route?.app.kind === "port" ? `Port ${route.app.port} in your workspace` : "VS Code";
    const detail =
      code === "ECONNREFUSED"
        ? route?.app.kind === "port"
          ? `Nothing is listening on port ${route.app.port}. Start your server there, listening on all addresses (for example <code>python3 -m http.server ${route.app.port}</code>), then retry.`
          : "VS Code is not running right now; retrying starts it again."
        : "It took too long to answer, or the connection broke. Retry in a moment.";
    badGatewayPage(resOrSocket, what, detail);
  }
}

// An open VS Code tab keeps its WebSocket alive with small heartbeats; typing and clicking send far more. Only a
// minute with more than this many bytes from the browser counts as use, so an untouched tab lets the idle stop
// happen.
const ACTIVE_BYTES_PER_MINUTE = 4096;

function countUserTraffic(socket: Duplex, used: () => void): void {
  let windowStart = Date.now();
  let bytes = 0;
  socket.on("data", (chunk: Buffer) => {
    const now = Date.now();
    if (now - windowStart > 60_000) {
      windowStart = now;
      bytes = 0;
    }
    bytes += chunk.length;
    if (bytes >= ACTIVE_BYTES_PER_MINUTE) {
      used();
      bytes = 0;
      windowStart = now;
    }
  });
}

function accepts(req: IncomingMessage, type: string): boolean {
  return (req.headers.accept ?? "").includes(type);
}
