import type net from "node:net";
import type { Logger } from "pino";
import { readProxyHeader, type ProxiedPeer } from "../../lib/ssh/proxy-header";

/** A trusted balancer sends its header at once, before any client byte: a few seconds is plenty. */
export const PROXY_HEADER_DEADLINE_MS = 5_000;

/** Why a trusted connection was closed before SSH (for the count and the log; never its bytes). */
export type ProxyRefusal = "invalid" | "too long" | "deadline" | "closed";

/**
 * Reads a PROXY header from a connection a trusted load balancer opened, and nothing more: the bytes after it are
 * put back on the socket (unshift) for the SSH server, which resumes the socket itself. Only called for trusted
 * peers: any other peer's first bytes go to SSH untouched, so no client can claim another's address.
 */
export function takeProxyHeader(socket: net.Socket, deadlineMs = PROXY_HEADER_DEADLINE_MS): Promise<ProxiedPeer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const finish = (error: ProxyRefusal | null, peer?: ProxiedPeer, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", onClose);
      if (error) return reject(new ProxyHeaderError(error));
      // Paused first, so no byte is emitted between here and the SSH server's own listener.
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(peer!);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const reading = readProxyHeader(received);
      if (reading.kind === "incomplete") return;
      if (reading.kind === "invalid") return finish(reading.reason.includes("too long") ? "too long" : "invalid");
      finish(null, reading.peer, received.subarray(reading.length));
    };
    const onClose = () => finish("closed");
    const timer = setTimeout(() => finish("deadline"), deadlineMs);
    timer.unref();
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.once("error", onClose);
  });
}

export class ProxyHeaderError extends Error {
  constructor(readonly refusal: ProxyRefusal) {
    super(`PROXY header refused: ${refusal}`);
  }
}

/**
 * Makes the socket report the client's address and port, as if it had come directly. ssh2 reads
 * socket.remoteAddress/remotePort for its client info (the `info.ip` the gateway's logins, throttle, approvals and
 * audit use) and the admission reads them for its counts: overriding them on this one socket is the single place
 * the real address enters, instead of threading a second address beside ssh2's.
 */
export function adoptClientAddress(socket: net.Socket, peer: Extract<ProxiedPeer, { kind: "client" }>): void {
  Object.defineProperties(socket, {
    remoteAddress: { value: peer.address, configurable: true },
    remotePort: { value: peer.port, configurable: true },
    remoteFamily: { value: peer.family, configurable: true },
  });
}

/**
 * The gateway's TCP door when load balancers are trusted: their connections must start with a header, which then
 * says whose connection it is; everybody else's go straight on. `admit` is the admission (its per-address counts
 * then see the client's address). A v2 LOCAL / v1 UNKNOWN header is the balancer's own connection (HAProxy's health
 * check, which expects the SSH banner): admitted under the balancer's address, not closed, or every process would
 * look down.
 */
export function proxyProtocolDoor(
  trusted: (address: string | undefined) => boolean,
  admit: (socket: net.Socket) => void,
  log: Logger,
  onRefused: (reason: ProxyRefusal) => void = () => undefined,
): { accept: (socket: net.Socket) => void; refused: () => number } {
  let refused = 0;
  const accept = (socket: net.Socket) => {
    if (!trusted(socket.remoteAddress)) return admit(socket);
    const balancer = socket.remoteAddress;
    takeProxyHeader(socket).then(
      (peer) => {
        if (peer.kind === "client") adoptClientAddress(socket, peer);
        admit(socket);
      },
      (error: unknown) => {
        refused += 1;
        const reason = error instanceof ProxyHeaderError ? error.refusal : "invalid";
        onRefused(reason);
        // The first and then every 100th: a misconfigured balancer (no send-proxy) would otherwise flood the log.
        if (refused % 100 === 1) log.warn({ balancer, reason, refused }, "ssh connection from a trusted load balancer closed: no valid PROXY header");
        socket.on("error", () => {});
        socket.destroy();
      },
    );
  };
  return { accept, refused: () => refused };
}
