import http from "node:http";
import { toLoopback } from "./app-client";

/** Attempts a WebSocket upgrade and reports the HTTP status the server answered with (101 when it accepted). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    // Every test host is loopback (app hosts such as code--alice-x.localhost too, which Node cannot resolve).
    const req = http.request(url, {
      lookup: toLoopback,
      // One connection per attempt: a refused upgrade's socket is closed, never one for the next attempt.
      agent: false,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
        ...headers,
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.setTimeout(15_000, () => req.destroy(new Error("upgrade timed out")));
    req.end();
  });
}

/** Opens a WebSocket's connection (the upgrade only, no frames) and hands over its socket once it has switched. */
export function openUpgraded(url: string, headers: Record<string, string>): Promise<import("node:stream").Duplex> {
  return new Promise((resolve, reject) => {
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
    req.on("upgrade", (_res, socket) => resolve(socket));
    req.on("response", (res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}
