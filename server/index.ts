import { EventEmitter } from "node:events";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { ConfigError, loadConfig, loopbackOf, type PortalConfig } from "../lib/config/env";
import { createLogger } from "../lib/log";
import { endOrphanedSessions } from "../lib/terminal/orphans";
import { createPortal } from "../lib/portal";
import { setPortal } from "../lib/portal-instance";
import { createDevIdentityProvider, DEV_IDP_PREFIX } from "./dev-idp/provider";
import { warmUpPages } from "./dev-warmup";
import { opsDoors } from "./ops/ops-routes";
import { AppProxy } from "./proxy/app-proxy";
import { refuse, Router } from "./router";
import { siteOf } from "./site";
import { misdirectedDoor, portalDoor } from "./site-doors";
import { createSshGateway } from "./ssh/ssh-gateway";
import { limitHttpConnections } from "./http-limits";
import { TERMINAL_SOCKET_PATH } from "../lib/terminal/socket-protocol";
import { createTerminalSockets } from "./terminal/terminal-socket";
import { dataDiskProblem } from "../lib/quota/xfs-project-quota";
import { usersRoot } from "../lib/workspace/home";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function readConfig(): PortalConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel);
  // No Django site configured (never in production: config refuses it): the embedded provider stands in.
  const devIdp = config.auth.oidc ? null : createDevIdentityProvider(config.publicUrl, log.child({ component: "dev-idp" }));
  const portal = await createPortal(config, log, devIdp?.oidc ?? null);
  setPortal(portal);
  // next-auth builds its callback URLs from this; the public URL is the only right answer behind a proxy.
  process.env.NEXTAUTH_URL = config.publicUrl.href;
  if (devIdp) log.warn({ issuer: devIdp.oidc.issuer }, "using the embedded development identity provider (demo users)");

  // Only development compiles pages on demand; test and production serve what `next build` made.
  // Next adds its own 'upgrade' listener to the server it first sees a request on, and ends every upgrade whose
  // path is one of its pages (`/` among them) while ours is still checking a session: VS Code's socket is on
  // `/`. So it is given a server of its own to listen on, to which only its own upgrades (dev-mode HMR) are sent.
  const nextUpgrades = new EventEmitter();
  const app = next({
    dev: config.env === "development",
    dir: projectRoot,
    hostname: config.host,
    port: config.port,
    httpServer: nextUpgrades as unknown as http.Server,
  });
  const handle = app.getRequestHandler();
  await app.prepare();

  const terminals = createTerminalSockets(portal, log.child({ component: "terminal-socket" }));
  const proxy = new AppProxy(portal, log.child({ component: "proxy" }));

  const router = new Router(log.child({ component: "router" }), siteOf(config.publicUrl, portal.apps.domain));
  router.add<"app">({
    name: "app",
    sites: ["app"],
    prefix: "/",
    request: (req, res, to) => proxy.handleRequest(req, res, to.address),
    upgrade: (req, socket, head, to) => proxy.handleUpgrade(req, socket, head, to.address),
  });
  router.add(misdirectedDoor(config.publicUrl));
  for (const door of opsDoors(portal)) router.add(portalDoor(door));
  if (devIdp) router.add(portalDoor({ name: "dev-idp", prefix: `${DEV_IDP_PREFIX}/`, request: (req, res) => devIdp.handle(req, res) }));
  router.add(portalDoor({ name: "terminal", prefix: `${TERMINAL_SOCKET_PATH}/`, request: terminals.handleRequest, upgrade: terminals.handleUpgrade }));
  // engine.io also takes a handshake on the path without its slash (socket.io clients add one); a plain request
  // there is a page like any other.
  router.add({ name: "terminal", prefix: TERMINAL_SOCKET_PATH, upgrade: terminals.handleUpgrade });
  router.add({
    name: "next-dev",
    prefix: "/_next/",
    // Only Next's own dev-mode channels (hot reload) may reach it; with nothing of Next's listening, refused.
    upgrade: (req, socket, head) => {
      if (!nextUpgrades.emit("upgrade", req, socket, head)) refuse(socket, 404, "Not Found");
    },
  });
  router.add(portalDoor({ name: "pages", prefix: "/", request: (req, res) => handle(req, res) }));

  const server = http.createServer(router.request);
  server.on("upgrade", router.upgrade);
  limitHttpConnections(server, { maxConnectionsPerAddress: config.httpMaxConnectionsPerAddress, trustedProxies: config.trustedProxies }, log);
  server.on("clientError", (error, socket) => {
    log.debug({ err: error }, "malformed HTTP request");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });

  // Before any workspace starts: what workspaces may reach is settled in the host firewall.
  if (portal.egress) {
    await portal.workspaces
      .bridge()
      .then((bridge) => portal.egress!.apply(bridge))
      .catch((error: unknown) => log.error({ err: error }, "the workspace network could not be prepared"));
  }
  // Before any new terminal opens: whatever an earlier portal process left behind is unreachable now.
  // With other processes on the same database, only shells of processes no longer alive are orphans; when the
  // database cannot say which are alive, none is ended.
  await portal.cluster
    .alive()
    .then((alive) => endOrphanedSessions(portal.workspaces, log, alive))
    .catch((error: unknown) => log.warn({ err: error }, "orphan sweep failed"));
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  // The idle stop, the disk scan and the clean-ups: in this process when it leads (always, on SQLite).
  portal.cluster.start();
  portal.terminalForwarding?.directory.start();
  const diskProblem = dataDiskProblem(config.dataRoot, usersRoot(config.dataRoot), portal.diskEnforced);
  if (diskProblem) log.warn(diskProblem);
  void portal.codeStatic.prepare(); // in the background: until it is ready, code-server serves its own files
  const ssh = config.ssh.port ? createSshGateway(portal, log.child({ component: "ssh" })) : null;
  await ssh?.listen(config.ssh.port, config.ssh.host);
  if (ssh) log.info({ listen: `${config.ssh.host}:${config.ssh.port}` }, "ssh gateway listening");
  log.info({ url: config.publicUrl.href, listen: `${config.host}:${config.port}`, env: config.env }, "portal listening");
  if (config.env === "development") void warmUpPages(`http://${loopbackOf(config.host)}:${config.port}`, config.publicUrl.host, log);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    // Workspaces are left running on purpose: a restarted portal re-adopts them from Docker.
    log.info({ signal }, "portal shutting down; workspaces keep running");
    terminals.close();
    proxy.close();
    void ssh?.close();
    server.close();
    server.closeAllConnections();
    void app.close?.();
    void portal.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error("The portal could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
