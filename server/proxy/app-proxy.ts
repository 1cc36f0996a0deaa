import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { AppAddress } from "../../lib/apps/app-address";
import type { AppSession, AppSessions } from "../../lib/apps/app-sessions";
import type { AppsDomain } from "../../lib/apps/apps-domain";
import { CODE_SERVER_COOKIE, type AppSecrets } from "../../lib/apps/code-server-secret";
import type { CodeStaticFiles } from "../../lib/apps/code-static";
import type { ActivityTracker } from "../../lib/activity/activity-tracker";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import type { PortalConfig } from "../../lib/config/env";
import type { UserRegistry } from "../../lib/identity/registry";
import { refuse } from "../router";
import { openUrl, TICKET_PATH } from "../../lib/apps/app-links";
import { requestIsUse } from "../../lib/apps/app-use";
import { INSTANCE_PATH, instanceTag, isWorkbenchPage, MOVES_PREFIX, WATCHER_PATH, WATCHER_SCRIPT, withWatcher } from "../../lib/apps/vscode-moves";
import { sameOrigin } from "../../lib/auth/same-origin";
import { AppAuth, type AppAuthDeps } from "./app-auth";
import { closeTogether } from "./close-together";
import { CodeStaticServer } from "./code-static";
import { filterResponseHeaders, forwardedFor, protectedCookie, upstreamHeaders } from "./headers";
import { HttpForwarder } from "./http-forwarder";
import { rewritingHtml } from "./html-rewrite";
import { InstanceLooks } from "./instance-looks";
import { badGatewayPage } from "./pages";
import { SessionSockets } from "./session-sockets";
import { TargetResolver, type TargetDeps } from "./targets";

/** What the proxy reads of the portal itself, and what its sign-in and its resolver read. */
export type AppProxyDeps = AppAuthDeps &
  TargetDeps & {
    config: Pick<PortalConfig, "publicUrl" | "trustedProxies">;
    apps: { domain: AppsDomain; sessions: Pick<AppSessions, "onEnded">; codeServerSecrets: Pick<AppSecrets, "for"> };
    /** The token the portal presents to each workspace's Jupyter. */
    notebookTokens: Pick<AppSecrets, "for">;
    registry: Pick<UserRegistry, "slugOf" | "knownSlug">;
    activity: Pick<ActivityTracker, "touch">;
    metrics: Pick<PortalMetrics, "proxyRequests">;
    codeStatic: Pick<CodeStaticFiles, "current">;
  };

/** One request on an app's host, as the proxy sees it. */
interface AppRequest {
  address: AppAddress;
  /** The app's canonical host and origin (never the browser's spelling of them). */
  host: string;
  origin: string;
  session: AppSession;
}

type ProxiedRequest = IncomingMessage & { appRequest?: AppRequest };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * VS Code and port previews, each on its own origin (`code--<workspace>.<apps domain>`, `<port>--<workspace>…`),
 * open only to a browser holding that host's own app session, which only the workspace's owner can get. The
 * portal's cookies never come here; the app's requests carry only the app's own cookies into the workspace, and
 * its responses cannot set cookies beyond its own host or widen a service worker's scope.
 */
export class AppProxy {
  // WebSockets only: plain HTTP goes through the forwarder, which costs a third of the CPU per request.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  private readonly wsProxy = createProxyServer({ agent: this.agent, proxyTimeout: 120_000, ws: true });
  private readonly http = new HttpForwarder({ timeoutMs: 120_000, connectionsPerUpstream: 128 });
  private readonly targets: TargetResolver;
  private readonly codeStatic: CodeStaticServer;
  private readonly auth: AppAuth;
  private readonly sockets = new SessionSockets();
  private readonly instances: InstanceLooks;
  private readonly counted: (app: AppAddress["app"]["kind"], status: string) => void;
  private readonly dropCookie: (name: string) => boolean;
  private readonly dropAll = () => true;
  private readonly protocol: "http" | "https";

  constructor(
    private readonly portal: AppProxyDeps,
    private readonly log: Logger,
  ) {
    // A workspace that changed takes its pooled connections with it: none is reused for whoever gets its address.
    this.targets = new TargetResolver(portal, (base) => this.http.drop(base));
    this.codeStatic = new CodeStaticServer(portal.codeStatic);
    this.auth = new AppAuth(portal);
    this.instances = new InstanceLooks(portal);
    this.counted = countingBy(portal.metrics);
    this.dropCookie = protectedCookie(this.auth.cookieName, [CODE_SERVER_COOKIE]);
    this.protocol = portal.apps.domain.secure ? "https" : "http";
    portal.apps.sessions.onEnded((ids) => this.sockets.end(ids));
    this.wsProxy.on("proxyReqWs", (proxyReq, _req, socket) => {
      proxyReq.once("upgrade", (_res: IncomingMessage, upstream: Duplex) => closeTogether(socket, upstream));
    });
    this.wsProxy.on("error", (error, req, socket) => {
      const request = (req as ProxiedRequest).appRequest;
      if (request) this.upstreamFailed(request, error);
      (socket as Duplex).destroy();
    });
  }

  handleRequest(req: IncomingMessage, res: ServerResponse, address: AppAddress): void {
    const host = this.portal.apps.domain.host(address);
    const url = req.url ?? "/";
    if (url === TICKET_PATH || url.startsWith(`${TICKET_PATH}?`)) {
      void this.auth.exchange(req, res, address, host).catch((error: unknown) => this.failed(res, error));
      return;
    }
    // The common case (a session, its owner and the upstream already known) forwards without a single promise.
    const session = this.auth.rememberedSession(req.headers.cookie, host);
    const owner = session ? this.portal.registry.knownSlug(session.sub) : undefined;
    if (session === null || (session && owner !== undefined)) return this.route(req, res, address, session, owner);
    void this.auth
      .session(req.headers.cookie, host)
      .then(async (found) => this.route(req, res, address, found, found ? await this.portal.registry.slugOf(found.sub) : undefined))
      .catch((error: unknown) => this.failed(res, error));
  }

  /** A request whose app session (and the workspace that session's user owns) is known. */
  private route(req: IncomingMessage, res: ServerResponse, address: AppAddress, session: AppSession | null, owner: string | undefined): void {
    if (!session || owner !== address.slug) return this.signIn(req, res, address);
    const host = this.portal.apps.domain.host(address);
    const url = req.url ?? "/";
    const request: AppRequest = { address, host, origin: this.portal.apps.domain.origin(address), session };
    // Another site's page (another app among them) may not change anything here with the owner's cookie.
    if (!SAFE_METHODS.has(req.method ?? "GET") && !sameOrigin(request.origin, { origin: req.headers.origin }, "allowed")) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("Refused: this request came from another site.");
    }
    // VS Code's watcher of moves is answered by the proxy itself, whether or not VS Code runs now.
    if (address.app.kind === "code" && url.startsWith(MOVES_PREFIX)) return this.movesWatch(req, res, session);
    const base = this.targets.known(session.sub, address.app);
    if (base !== undefined) return this.forward(req, res, request, base, this.targets.instanceOf(session.sub, address.app));
    void this.targets
      .resolve(session.sub, address.app)
      .then((target) => {
        if (target.kind === "ready") return this.forward(req, res, request, target.base, target.instanceId);
        // A page navigation goes to the portal, which starts what is needed with visible progress and comes back.
        if (isNavigation(req)) return redirect(res, openUrl(this.portal.config.publicUrl, address, url));
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "2" });
        res.end("The workspace is not running.");
      })
      .catch((error: unknown) => this.failed(res, error));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: AppAddress): void {
    void this.ws(req as ProxiedRequest, socket, head, address).catch((error: unknown) => {
      this.log.warn({ err: error }, "proxied upgrade failed");
      refuse(socket, 502, "Bad Gateway");
    });
  }

  close(): void {
    this.targets.close();
    this.wsProxy.close();
    this.agent.destroy();
    this.http.close();
  }

  private async ws(req: ProxiedRequest, socket: Duplex, head: Buffer, address: AppAddress): Promise<void> {
    const { domain } = this.portal.apps;
    const host = domain.host(address);
    const origin = domain.origin(address);
    // Only the app's own pages may open its sockets: not the portal's, not another app's.
    if (!sameOrigin(origin, { origin: req.headers.origin }, "refused")) return refuse(socket, 403, "Forbidden");
    const session = await this.auth.session(req.headers.cookie, host);
    if (!session || (await this.portal.registry.slugOf(session.sub)) !== address.slug) return refuse(socket, 401, "Unauthorized");
    const target = await this.targets.resolve(session.sub, address.app);
    if (target.kind === "starting") return refuse(socket, 503, "Service Unavailable");
    const request: AppRequest = { address, host, origin, session };
    req.appRequest = request;
    req.headers = this.headersFor(req, request, true);
    this.sockets.add(session.id, socket);
    countUserTraffic(socket, () => this.portal.activity.touch(session.sub, doorOf(address)));
    this.wsProxy.ws(req, socket, head, { target: target.base });
  }

  /**
   * The watcher script VS Code's workbench page is given, and its question: which instance of the owner's workspace
   * runs now. Neither counts as use (an open, untouched tab asks every few seconds).
   */
  private movesWatch(req: IncomingMessage, res: ServerResponse, session: AppSession): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || (path !== WATCHER_PATH && path !== INSTANCE_PATH)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("Not found.");
    }
    if (path === WATCHER_PATH) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" });
      return void res.end(WATCHER_SCRIPT);
    }
    void this.instances.tagOf(session.sub).then(
      (instance) => {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ instance }));
      },
      (error: unknown) => {
        this.log.debug({ err: error }, "VS Code's watcher: the workspace's instance could not be read");
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "2" });
        res.end("Try again in a moment.");
      },
    );
  }

  private forward(req: IncomingMessage, res: ServerResponse, request: AppRequest, base: string, instanceId?: string): void {
    const { address, session } = request;
    if (requestIsUse(address.app.kind, { method: req.method ?? "GET", navigation: isNavigation(req) })) this.portal.activity.touch(session.sub, doorOf(address));
    const path = req.url ?? "/";
    if (address.app.kind === "code" && this.codeStatic.serve(req, res, path)) return this.counted("code", "image");
    // The workbench page gets VS Code's watcher of moves, told the instance it came from (read uncompressed).
    const workbench = address.app.kind === "code" && isWorkbenchPage(req.method, path);
    const headers = this.headersFor(req, request, false);
    if (workbench) delete headers["accept-encoding"];
    this.http.forward(
      req,
      res,
      base,
      path,
      {
        onResponse: (status, headers) => {
          filterResponseHeaders(headers, this.dropCookie);
          this.counted(address.app.kind, STATUS_CLASS[Math.floor(status / 100)] ?? "other");
        },
        onError: (error, answered) => {
          this.upstreamFailed(request, error);
          if (!answered) this.afterUpstreamError(req, res, request, error.code);
        },
        ...(workbench
          ? {
              rewrite: (status, upstream) =>
                status === 200 && String(upstream["content-type"] ?? "").startsWith("text/html") && !upstream["content-encoding"]
                  ? rewritingHtml((html) => withWatcher(html, instanceTag(instanceId)))
                  : null,
            }
          : {}),
      },
      headers,
    );
  }

  /** What a request into the workspace carries: the passed headers, the app's own cookies, code-server's gate. */
  private headersFor(req: IncomingMessage, request: AppRequest, websocket: boolean) {
    const { address, host } = request;
    return upstreamHeaders(
      req.headers,
      { host, protocol: this.protocol, forwardedFor: forwardedFor(req.headers, req.socket.remoteAddress, this.portal.config.trustedProxies) },
      address.app.kind === "code"
        ? // VS Code keeps its state in the browser, not in cookies: none of the browser's reach code-server, so a
          // cookie a sibling app planted for the whole apps domain means nothing to it. Only its password does.
          { websocket, dropCookie: this.dropAll, extraCookie: `${CODE_SERVER_COOKIE}=${this.portal.apps.codeServerSecrets.for(address.slug)}` }
        : address.app.kind === "notebook"
          ? // Jupyter likewise: its token, presented by the portal, is its whole sign-in (and spares it XSRF checks).
            { websocket, dropCookie: this.dropAll, authorization: `token ${this.portal.notebookTokens.for(address.slug)}` }
          : { websocket, dropCookie: this.dropCookie },
    );
  }

  /** No app session here: a page goes to the portal to get one; anything else is told to. */
  private signIn(req: IncomingMessage, res: ServerResponse, address: AppAddress): void {
    if (isNavigation(req)) return redirect(res, openUrl(this.portal.config.publicUrl, address, req.url ?? "/"));
    res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    res.end("Open this app from the portal to sign in to it.");
  }

  private failed(res: ServerResponse, error: unknown): void {
    this.log.error({ err: error }, "app request failed");
    badGatewayPage(res, "The workspace", "The portal could not forward this request. Retry in a moment.");
  }

  private upstreamFailed(request: AppRequest, error: Error & { code?: string }): void {
    this.targets.forget(request.session.sub, request.address.app);
    this.log.debug({ err: error, code: error.code, host: request.host }, "proxy upstream error");
    this.counted(request.address.app.kind, "error");
  }

  /**
   * The remembered address failed. If the workspace (or VS Code) has stopped since, a page load goes to the
   * portal, which starts it with visible progress and comes back, as on a first visit; otherwise the user is told
   * what did not answer.
   */
  private afterUpstreamError(req: IncomingMessage, res: ServerResponse, request: AppRequest, code: string | undefined): void {
    const { address, session } = request;
    if (!isNavigation(req)) return this.errorPage(res, address, code);
    void this.targets
      .resolve(session.sub, address.app)
      .then((target) => {
        if (target.kind === "starting") return redirect(res, openUrl(this.portal.config.publicUrl, address, req.url ?? "/"));
        this.errorPage(res, address, code);
      })
      .catch((error: unknown) => this.failed(res, error));
  }

  private errorPage(res: ServerResponse, address: AppAddress, code: string | undefined): void {
    const what = address.app.kind === "port" ? `Port ${address.app.port} in your workspace` : "VS Code";
    const detail =
      code === "ECONNREFUSED"
        ? address.app.kind === "port"
          ? `Nothing is listening on port ${address.app.port}. Start your server there, listening on all addresses (for example <code>python3 -m http.server ${address.app.port}</code>), then retry.`
          : "VS Code is not running right now; retrying starts it again."
        : "It took too long to answer, or the connection broke. Retry in a moment.";
    badGatewayPage(res, what, detail);
  }
}

const doorOf = (address: AppAddress) => (address.app.kind === "code" ? "vscode" : address.app.kind === "notebook" ? "notebook" : "port");

const STATUS_CLASS = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== "GET") return false;
  const mode = req.headers["sec-fetch-mode"];
  return mode === undefined ? (req.headers.accept ?? "").includes("text/html") : mode === "navigate";
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, "cache-control": "no-store" });
  res.end();
}

/** The proxy counter's children, looked up once per label pair instead of hashing labels on every request. */
function countingBy(metrics: AppProxyDeps["metrics"]): (app: string, status: string) => void {
  const children = new Map<string, { inc(): void }>();
  return (app, status) => {
    const key = `${app} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.proxyRequests.labels({ app, status });
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
