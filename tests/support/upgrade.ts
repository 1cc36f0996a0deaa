import http from "node:http";
import type { Duplex } from "node:stream";
import { toLoopback } from "./app-client";

/** A WebSocket handshake request (upgrade only, no frames), on a connection of its own, to a loopback test host. */
function upgradeRequest(url: string, headers: Record<string, string>): http.ClientRequest {
  // Every test host is loopback (app hosts such as code--alice-x.localhost too, which Node cannot resolve), and
  // each attempt has its own connection: a refused upgrade's socket is closed, never one for the next attempt.
  const req = http.request(url, {
    lookup: toLoopback,
    agent: false,
    headers: {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
      ...headers,
    },
  });
  req.setTimeout(15_000, () => req.destroy(new Error("upgrade timed out")));
  return req;
}

/** Attempts a WebSocket upgrade and reports the HTTP status the server answered with (101 when it accepted). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = upgradeRequest(url, headers);
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens a WebSocket's connection and hands over its socket once it has switched protocols. */
export function openUpgraded(url: string, headers: Record<string, string>): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = upgradeRequest(url, headers);
    req.on("upgrade", (_res, socket) => {
      req.setTimeout(0);
      resolve(socket);
    });
    req.on("response", (res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}
