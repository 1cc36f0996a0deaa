import { randomBytes } from "node:crypto";
import http from "node:http";
import type { Socket } from "node:net";

export interface OpenWebSocket {
  /** Sends a close frame, ends the socket and waits (at most 2 s) for it to be gone. */
  close(): Promise<void>;
}

/**
 * A WebSocket opened by hand: the upgrade request, the 101, and later a proper close frame. That is all the soak
 * needs (does the proxy set up and tear down upgraded connections without leaking them?), so no WebSocket
 * library and no code-server protocol: the server side just sees a client that left before its handshake.
 */
export function openWebSocket(url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<OpenWebSocket> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        ...headers,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
      },
      timeout: timeoutMs,
      agent: false,
    });
    req.once("upgrade", (_res, socket: Socket) => resolve({ close: () => closeSocket(socket) }));
    req.once("response", (res) => {
      res.resume();
      reject(new Error(`upgrade answered ${res.statusCode}`));
    });
    req.once("timeout", () => req.destroy(new Error(`no upgrade within ${timeoutMs} ms`)));
    req.once("error", reject);
    req.end();
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 2_000);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("error", () => undefined);
    socket.on("data", () => undefined); // whatever the server still sends, including its own close frame
    // A client frame is masked: FIN + close opcode, mask bit + 2-byte payload (status 1000), key, masked status.
    const mask = randomBytes(4);
    const payload = Buffer.from([0x03 ^ mask[0]!, 0xe8 ^ mask[1]!]);
    socket.end(Buffer.concat([Buffer.from([0x88, 0x82]), mask, payload]));
  });
}
