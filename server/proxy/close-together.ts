import type { Duplex } from "node:stream";

// A WebSocket one side has half-closed gets this long for the other side to finish, then both are closed.
const HALF_CLOSED_GRACE_MS = 5000;

/**
 * The two ends of a proxied WebSocket live and die together. http-proxy passes a half-close (FIN) on and waits;
 * an upstream that never closes its own side (code-server does this) would otherwise hold both sockets open for
 * ever, the browser's in CLOSE_WAIT.
 */
export function closeTogether(client: Duplex, upstream: Duplex, graceMs = HALF_CLOSED_GRACE_MS): void {
  let timer: NodeJS.Timeout | undefined;
  const destroyBoth = () => {
    clearTimeout(timer);
    client.destroy();
    upstream.destroy();
  };
  const halfClosed = () => {
    timer ??= setTimeout(destroyBoth, graceMs);
    timer.unref();
  };
  client.once("end", halfClosed);
  upstream.once("end", halfClosed);
  client.once("close", destroyBoth);
  upstream.once("close", destroyBoth);
}
