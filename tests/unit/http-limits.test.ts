import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { limitHttpConnections } from "../../server/http-limits";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close(), s.closeAllConnections();
});

async function serve(maxConnectionsPerAddress: number, trustedProxies: string[] = []) {
  const server = http.createServer((req, res) => res.end("ok"));
  servers.push(server);
  limitHttpConnections(server, { maxConnectionsPerAddress, trustedProxies }, pino({ level: "silent" }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** Opens a connection that says nothing; resolves with whether the server closed it within a moment. */
function idleSocket(port: number, localAddress: string) {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress });
  const state = { socket, closed: false };
  socket.on("error", () => undefined);
  socket.on("close", () => (state.closed = true));
  return state;
}

const get = (port: number, localAddress: string) =>
  new Promise<string>((resolve, reject) => {
    http.get({ port, host: "127.0.0.1", localAddress, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c)).on("end", () => resolve(body));
    }).on("error", reject);
  });

describe("HTTP connections per address", () => {
  it("closes connections past the cap from one address, and serves another address meanwhile", async () => {
    const port = await serve(10);
    const idle = Array.from({ length: 60 }, () => idleSocket(port, "127.0.0.1"));
    await expect.poll(() => idle.filter((s) => s.closed).length, { timeout: 10_000 }).toBe(50);
    await expect(get(port, "127.0.0.2")).resolves.toBe("ok");
    // Freed places are usable again.
    for (const s of idle) s.socket.destroy();
    await expect.poll(() => get(port, "127.0.0.1").catch(() => "refused"), { timeout: 10_000 }).toBe("ok");
  });

  it("does not count a trusted front proxy, which carries everybody's connections", async () => {
    const port = await serve(10, ["127.0.0.1"]);
    const idle = Array.from({ length: 30 }, () => idleSocket(port, "127.0.0.1"));
    await expect(get(port, "127.0.0.1")).resolves.toBe("ok");
    expect(idle.filter((s) => s.closed)).toHaveLength(0);
    for (const s of idle) s.socket.destroy();
  });
});
