import type http from "node:http";
import type { Logger } from "pino";

export interface HttpLimits {
  /** Open connections from one address (a trusted front proxy is not counted). */
  maxConnectionsPerAddress: number;
  trustedProxies: readonly string[];
}

// A request's headers arrive within this or the connection is dropped (Node's default is a minute).
const HEADERS_TIMEOUT_MS = 15_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

const normalize = (address: string) => {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") ? lower.slice(7) : lower;
};

/**
 * Bounds what one address can hold open on the portal's HTTP port, so that slow or idle sockets from one client
 * (slowloris) cannot use up the file descriptors everybody's terminals, apps and pages need.
 */
export function limitHttpConnections(server: http.Server, limits: HttpLimits, log: Logger): { refused: () => number } {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const trusted = new Set(limits.trustedProxies.map(normalize));
  const open = new Map<string, number>();
  let refused = 0;
  server.on("connection", (socket) => {
    const address = normalize(socket.remoteAddress ?? "");
    if (trusted.has(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      refused += 1;
      if (refused % 100 === 1) log.warn({ address, open: count }, "too many connections from one address; refusing more");
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return { refused: () => refused };
}
