import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface Route {
  prefix: string;
  handler: UpgradeHandler;
}

/**
 * Owns every WebSocket upgrade before Next.js sees it: Next closes upgrade sockets it does not handle itself, so
 * terminals and proxied code-server sockets must be claimed here first. Anything unclaimed goes to `fallback`
 * (Next's own upgrades, such as dev-mode hot reload) or is refused.
 */
export class UpgradeRouter {
  private readonly routes: Route[] = [];

  constructor(
    private readonly log: Logger,
    private readonly fallback?: UpgradeHandler,
  ) {}

  add(prefix: string, handler: UpgradeHandler): void {
    this.routes.push({ prefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", (error) => this.log.debug({ err: error }, "upgrade socket error"));
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    try {
      const route = this.routes.find((r) => path === r.prefix || path.startsWith(r.prefix.endsWith("/") ? r.prefix : `${r.prefix}/`));
      if (route) return route.handler(req, socket, head);
      if (this.fallback) return this.fallback(req, socket, head);
      refuse(socket, 404, "Not Found");
    } catch (error) {
      this.log.error({ err: error, path }, "upgrade handler failed");
      refuse(socket, 500, "Internal Server Error");
    }
  };
}

export function refuse(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  // Destroyed only once the answer is out: destroying at once can drop a write still queued behind others.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 5000).unref();
}
