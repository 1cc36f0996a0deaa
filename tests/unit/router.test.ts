import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsDomain } from "../../lib/apps/apps-domain";
import { refuse, Router } from "../../server/router";
import { isOpsPath, OPS_PATHS, siteOf } from "../../server/site";
import { misdirectedDoor, portalDoor } from "../../server/site-doors";

// A real HTTP server on loopback with the router in front of doors that say who they are: what is under test is
// which door a request or an upgrade reaches, and what the router answers itself. Raw sockets, so the Host
// header, the request target and the status line are exactly what is written and read.
const PORTAL = new URL("http://portal.test");
const APP_HOST = "code--alice-xakvtnsb.apps.test";

const says = (name: string) => (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`${name} ${req.url}`);
};
const takes = (name: string) => (_req: IncomingMessage, socket: Duplex) => refuse(socket, 200, name);

function unchunk(body: string): string {
  let out = "";
  for (let at = 0; ; ) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

interface Answer {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

describe("Router", () => {
  let server: http.Server;
  let port = 0;
  // A router with no `/` door, for what it answers itself when no door owns a request.
  let bare: http.Server;
  let barePort = 0;

  beforeAll(async () => {
    const router = new Router(pino({ level: "silent" }), siteOf(PORTAL, new AppsDomain({ protocol: "http:", suffix: ".apps.test", port: "" })));
    // The least specific door first on purpose: the order doors are added in decides nothing.
    router.add(portalDoor({ name: "pages", prefix: "/", request: says("pages") }));
    router.add<"app">({
      name: "app",
      sites: ["app"],
      prefix: "/",
      request: (req, res, to) => says(`app of ${to.address.slug}`)(req, res),
      upgrade: (req, socket, _head, to) => takes(`app-of-${to.address.slug}`)(req, socket),
    });
    router.add(misdirectedDoor(PORTAL));
    for (const path of OPS_PATHS) router.add(portalDoor({ name: "ops", sites: ["portal", "unknown"], prefix: path, request: says("ops") }));
    router.add(portalDoor({ name: "dev-idp", prefix: "/dev-idp/", request: says("dev-idp") }));
    router.add(portalDoor({ name: "terminal", prefix: "/terminal-io/", request: says("terminal"), upgrade: takes("terminal") }));
    router.add({ name: "terminal", prefix: "/terminal-io", upgrade: takes("terminal") });
    router.add({
      name: "throws",
      prefix: "/throws/",
      request: () => {
        throw new Error("thrown");
      },
      upgrade: () => {
        throw new Error("thrown");
      },
    });
    router.add({
      name: "rejects",
      prefix: "/rejects/",
      request: async () => Promise.reject(new Error("rejected")),
      upgrade: async () => Promise.reject(new Error("rejected")),
    });
    server = http.createServer(router.request);
    server.on("upgrade", router.upgrade);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;

    const only = new Router(pino({ level: "silent" }), () => ({ kind: "portal" }));
    only.add({ name: "terminal", prefix: "/terminal-io/", request: says("terminal"), upgrade: takes("terminal") });
    bare = http.createServer(only.request);
    bare.on("upgrade", only.upgrade);
    await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
    barePort = (bare.address() as AddressInfo).port;
  });

  afterAll(() => {
    for (const s of [server, bare]) {
      s.closeAllConnections();
      s.close();
    }
  });

  /** Writes one request as given and reads everything until the server closes the connection. */
  function exchange(head: string, to = port): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(to, "127.0.0.1", () => socket.write(head));
      let data = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (data += chunk));
      socket.on("error", reject);
      socket.on("close", () => {
        const [top = "", body = ""] = data.split(/\r\n\r\n(.*)/s);
        const [statusLine = "", ...lines] = top.split("\r\n");
        const [, status = "0", reason = ""] = /^HTTP\/1\.1 (\d+) ?(.*)$/.exec(statusLine) ?? [];
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
        resolve({ status: Number(status), reason, headers, body: headers["transfer-encoding"] === "chunked" ? unchunk(body) : body });
      });
    });
  }
  const request = (target: string, host = PORTAL.host, method = "GET") => exchange(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  const upgrade = (target: string, host = PORTAL.host) =>
    exchange(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);

  describe("requests", () => {
    it("go by Host first: an app's host reaches only the app, whatever the path", async () => {
      for (const path of ["/terminal-io/?EIO=4", "/healthz", "/dev-idp/x", "/"]) {
        const answer = await request(path, APP_HOST);
        expect(answer.body).toBe(`app of alice-xakvtnsb ${path}`);
        expect(answer.headers["x-frame-options"]).toBeUndefined();
      }
    });

    it("reach the most specific door that owns the path, whatever the order the doors were added in", async () => {
      await expect(request("/terminal-io/?EIO=4&transport=polling")).resolves.toMatchObject({ status: 200, body: "terminal /terminal-io/?EIO=4&transport=polling" });
      await expect(request("/dev-idp/interaction/abc")).resolves.toMatchObject({ body: "dev-idp /dev-idp/interaction/abc" });
      await expect(request("/healthz")).resolves.toMatchObject({ body: "ops /healthz" });
      await expect(request("/workspace?x=1")).resolves.toMatchObject({ body: "pages /workspace?x=1" });
    });

    it("take a prefix with a slash as everything below it, and one without as that path alone", async () => {
      // Below /dev-idp, not /dev-idp itself; the query is not the path.
      await expect(request("/dev-idp")).resolves.toMatchObject({ body: "pages /dev-idp" });
      await expect(request("/dev-idp?next=/dev-idp/")).resolves.toMatchObject({ body: "pages /dev-idp?next=/dev-idp/" });
      // An upgrade-only door takes no request: /terminal-io itself is a page like any other.
      await expect(request("/terminal-io")).resolves.toMatchObject({ body: "pages /terminal-io" });
      await expect(request("/terminal-io?EIO=4")).resolves.toMatchObject({ body: "pages /terminal-io?EIO=4" });
      await expect(request("/healthz?probe=1")).resolves.toMatchObject({ body: "ops /healthz?probe=1" });
      for (const path of ["/healthz/", "/healthzx", "/Healthz", "/api/healthz"]) await expect(request(path)).resolves.toMatchObject({ body: `pages ${path}` });
    });

    it("send anything no other door owns to the `/` door, even a target that is not a path", async () => {
      await expect(request("http://portal.test/workspace")).resolves.toMatchObject({ status: 200, body: "pages http://portal.test/workspace" });
      await expect(request("*", PORTAL.host, "OPTIONS")).resolves.toMatchObject({ status: 200, body: "pages *" });
    });

    it("answer under a name nobody serves only the operators' probes (exactly the ops paths); everything else is sent to the portal's name", async () => {
      for (const url of ["/healthz", "/readyz", "/metrics", "/metrics?name[]=up", "/healthz?", "/", "/healthz/", "/metricsx", "/api/healthz", "/Healthz", "/workspace?a=b"]) {
        const answer = await request(url, "203.0.113.7");
        if (isOpsPath(url)) expect(answer.body).toBe(`ops ${url}`);
        else expect(answer).toMatchObject({ status: 308, headers: { location: `${PORTAL.origin}${url}` } });
      }
      await expect(request("/workspace", "evil.example", "POST")).resolves.toMatchObject({ status: 421, body: `This portal answers at ${PORTAL.origin}.` });
    });

    it("give what the portal answers its headers, and nothing else's", async () => {
      for (const [path, host] of [["/workspace", PORTAL.host], ["/healthz", PORTAL.host], ["/healthz", "203.0.113.7"], ["/terminal-io/", PORTAL.host]] as const) {
        const answer = await request(path, host);
        expect(answer.headers["x-frame-options"], `${host}${path}`).toBe("DENY");
        expect(answer.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
        expect(answer.headers["clear-site-data"]).toBeUndefined();
      }
      expect((await request("/workspace", "203.0.113.7")).headers["x-frame-options"]).toBeUndefined();
      expect((await request("/api/auth/signout", PORTAL.host, "POST")).headers["clear-site-data"]).toBe('"cache", "storage"');
    });

    it("are answered 404 by the router when no door owns them", async () => {
      const head = (target: string) => `GET ${target} HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\n\r\n`;
      await expect(exchange(head("/terminal-io/?EIO=4"), barePort)).resolves.toMatchObject({ status: 200, body: "terminal /terminal-io/?EIO=4" });
      await expect(exchange(head("/workspace"), barePort)).resolves.toMatchObject({ status: 404, body: "Not Found" });
    });

    it("answer 500 for a door that throws or rejects, and pass the request to no other door", async () => {
      await expect(request("/throws/x")).resolves.toMatchObject({ status: 500, body: "Internal Server Error" });
      await expect(request("/rejects/x")).resolves.toMatchObject({ status: 500, body: "Internal Server Error" });
    });
  });

  describe("upgrades", () => {
    it("reach the door that takes upgrades on the path, with or without its slash", async () => {
      await expect(upgrade("/terminal-io/?EIO=4&transport=websocket")).resolves.toMatchObject({ status: 200, reason: "terminal" });
      await expect(upgrade("/terminal-io?EIO=4&transport=websocket")).resolves.toMatchObject({ status: 200, reason: "terminal" });
      await expect(upgrade("/", APP_HOST)).resolves.toMatchObject({ status: 200, reason: "app-of-alice-xakvtnsb" });
    });

    it("are refused with 404 where no door takes upgrades, even where a door takes requests", async () => {
      for (const path of ["/", "/healthz", "/dev-idp/x", "/terminal-iox", "/_next/webpack-hmr"]) {
        await expect(upgrade(path)).resolves.toMatchObject({ status: 404, reason: "Not Found", body: "" });
      }
    });

    it("are refused with 421 under a name nobody serves, the probes' paths too", async () => {
      for (const path of ["/terminal-io/?EIO=4&transport=websocket", "/healthz", "/"]) {
        await expect(upgrade(path, "203.0.113.7")).resolves.toMatchObject({ status: 421, reason: "Misdirected Request" });
      }
    });

    it("are refused with 500 when their door throws or rejects", async () => {
      await expect(upgrade("/throws/x")).resolves.toMatchObject({ status: 500, reason: "Internal Server Error" });
      await expect(upgrade("/rejects/x")).resolves.toMatchObject({ status: 500, reason: "Internal Server Error" });
    });
  });
});
