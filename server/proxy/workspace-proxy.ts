import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { SessionUser } from "../../lib/auth/session-user";
import type { Portal } from "../../lib/portal";
import { refuse } from "../upgrade-router";
import { filterSetCookie, forwardedHeaders, rewriteLocation, withoutPortalCookies } from "./headers";
import { HttpForwarder } from "./http-forwarder";
import { closeTogether } from "./close-together";
import { CodeStaticServer } from "./code-static";
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
  // WebSockets only: plain HTTP goes through the forwarder, which costs a third of the CPU per request.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  private readonly wsProxy = createProxyServer({ agent: this.agent, proxyTimeout: 120_000, ws: true });
  private readonly http = new HttpForwarder({ timeoutMs: 120_000, connectionsPerUpstream: 128 });
  private readonly targets: TargetResolver;
  private readonly codeStatic: CodeStaticServer;
  private readonly counted: (app: WorkspaceRoute["app"]["kind"], status: string) => void;

  constructor(
    private readonly portal: Portal,
    private readonly log: Logger,
  ) {
    this.targets = new TargetResolver(portal);
    this.codeStatic = new CodeStaticServer(portal.codeStatic);
    this.counted = countingBy(portal);
    this.wsProxy.on("proxyReqWs", (proxyReq, _req, socket) => {
      proxyReq.once("upgrade", (_res: IncomingMessage, upstream: Duplex) => closeTogether(socket, upstream));
    });
    this.wsProxy.on("error", (error, req, socket) => {
      const { workspaceRoute: route, portalUser: user } = req as ProxiedRequest;
      if (route && user) this.upstreamFailed(route, user, error);
      (socket as Duplex).destroy();
    });
  }

  /** True when the request was one of ours (and has been answered or forwarded). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const route = req.url ? parseWorkspaceRoute(req.url) : null;
    if (!route) return false;
    // The common case (a remembered session and a known upstream) forwards without a single promise.
    const user = this.portal.auth.rememberedUser(req.headers.cookie);
    const base = user ? this.targets.known(user, route.app) : undefined;
    if (user && base !== undefined && this.owns(user, route) && !route.needsSlash) {
      this.forward(req, res, route, user, base);
      return true;
    }
    void this.web(req, res, route).catch((error: unknown) => {
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
    this.wsProxy.close();
    this.agent.destroy();
    this.http.close();
  }

  private async web(req: IncomingMessage, res: ServerResponse, route: WorkspaceRoute): Promise<void> {
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
    this.forward(req, res, route, user, target.base);
  }

  private forward(req: IncomingMessage, res: ServerResponse, route: WorkspaceRoute, user: SessionUser, base: string): void {
    this.prepare(req);
    this.portal.activity.touch(user.sub, doorOf(route));
    if (route.app.kind === "code" && this.codeStatic.serve(req, res, route.upstreamPath)) return this.counted("code", "image");
    this.upstream(req, res, route, user, base);
  }

  private upstream(req: IncomingMessage, res: ServerResponse, route: WorkspaceRoute, user: SessionUser, base: string): void {
    this.http.forward(req, res, base, route.upstreamPath, {
      onResponse: (status, headers) => {
        const setCookie = headers["set-cookie"];
        if (setCookie !== undefined) {
          const kept = filterSetCookie(Array.isArray(setCookie) ? setCookie : [setCookie]);
          if (kept?.length) headers["set-cookie"] = kept;
          else delete headers["set-cookie"];
        }
        if (headers.location !== undefined) headers.location = rewriteLocation(headers.location, route.prefix);
        this.counted(route.app.kind, STATUS_CLASS[Math.floor(status / 100)] ?? "other");
      },
      onError: (error, answered) => {
        this.upstreamFailed(route, user, error);
        if (!answered) this.errorPage(res, route, error.code);
      },
    });
  }

  private async ws(req: ProxiedRequest, socket: Duplex, head: Buffer, route: WorkspaceRoute): Promise<void> {
    if (req.headers.origin !== this.portal.config.publicUrl.origin) return refuse(socket, 403, "Forbidden");
    const user = await this.portal.auth.userFromCookieHeader(req.headers.cookie);
    if (!user) return refuse(socket, 401, "Unauthorized");
    if (!this.owns(user, route)) return refuse(socket, 403, "Forbidden");
    const target = await this.targets.resolve(user, route.app);
    if (target.kind === "starting") return refuse(socket, 503, "Service Unavailable");
    req.workspaceRoute = route;
    req.portalUser = user;
    req.url = route.upstreamPath; // http-proxy sends req.url; the forwarder above is given the path
    this.prepare(req);
    countUserTraffic(socket, () => this.portal.activity.touch(user.sub, doorOf(route)));
    this.wsProxy.ws(req, socket, head, { target: target.base });
  }

  private owns(user: SessionUser, route: WorkspaceRoute): boolean {
    return this.portal.registry.slugOf(user.sub) === route.name;
  }

  /** What every request into a workspace loses and gains on the way: portal cookies off, X-Forwarded-* on. */
  private prepare(req: IncomingMessage): void {
    const cookie = withoutPortalCookies(req.headers.cookie);
    if (cookie) req.headers.cookie = cookie;
    else delete req.headers.cookie;
    Object.assign(req.headers, forwardedHeaders(req.headers, this.portal.config.publicUrl, req.socket.remoteAddress));
  }

  private upstreamFailed(route: WorkspaceRoute, user: SessionUser, error: Error & { code?: string }): void {
    this.targets.forget(user, route.app);
    this.log.debug({ err: error, code: error.code, path: route.prefix }, "proxy upstream error");
    this.counted(route.app.kind, "error");
  }

  private errorPage(res: ServerResponse, route: WorkspaceRoute, code: string | undefined): void {
    const what = route.app.kind === "port" ? `Port ${route.app.port} in your workspace` : "VS Code";
    const detail =
      code === "ECONNREFUSED"
        ? route.app.kind === "port"
          ? `Nothing is listening on port ${route.app.port}. Start your server there, listening on all addresses (for example <code>python3 -m http.server ${route.app.port}</code>), then retry.`
          : "VS Code is not running right now; retrying starts it again."
        : "It took too long to answer, or the connection broke. Retry in a moment.";
    badGatewayPage(res, what, detail);
  }
}

const doorOf = (route: WorkspaceRoute) => (route.app.kind === "code" ? "vscode" : "port");

const STATUS_CLASS = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** The proxy counter's children, looked up once per label pair instead of hashing labels on every request. */
function countingBy(portal: Portal): (app: string, status: string) => void {
  const children = new Map<string, { inc(): void }>();
  return (app, status) => {
    const key = `${app} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = portal.metrics.proxyRequests.labels({ app, status });
      children.set(key, child);
    }
    child.inc();
  };
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
