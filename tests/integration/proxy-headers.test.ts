import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFetch, openApp, toLoopback, type OpenedApp } from "../support/app-client";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { upgradeStatus } from "../support/upgrade";
import { spawnInWorkspace } from "../support/workspace-exec";

const SECRET = "proxy-headers-secret-proxy-headers-0123";
const alice = { sub: "hdr-alice", username: "alice" };
const PORT = 8765;

// A server in alice's workspace that answers with the headers it was sent: what crossed the proxy, seen from inside.
const ECHO_SERVER = `
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length: self.rfile.read(length)
        body = json.dumps([[k.lower(), v] for k, v in self.headers.items()]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    do_GET = answer
    do_POST = answer
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
`;

/** Sends a request with exactly these headers (node:http lets a test set Connection, which fetch refuses). */
function send(app: OpenedApp, method: string, headers: Record<string, string>, body?: string): Promise<Map<string, string>> {
  const url = new URL(app.origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: "/echo", method, headers: { ...headers, cookie: app.cookie }, lookup: toLoopback, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) return reject(new Error(`echo answered ${res.statusCode}: ${text}`));
          resolve(new Map(JSON.parse(text) as [string, string][]));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("request headers into a workspace, through the real proxy", () => {
  let portal: PortalProcess;
  let app: OpenedApp;
  let code: OpenedApp;

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET, WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", CODE_SERVER_AT_START: "true" });
    const cookie = await sessionCookie(SECRET, alice);
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(started.status, await started.clone().text()).toBe(200);
    await spawnInWorkspace(portal, "alice", ["python3", "-c", ECHO_SERVER, String(PORT)]);
    app = await openApp(portal.url, cookie, String(PORT));
    // The server answers once python has started: ask until it does (502 until then).
    for (let tries = 0; (await appFetch(`${app.origin}/`, { headers: { cookie: app.cookie } })).status !== 200; tries++) {
      if (tries > 120) throw new Error("the echo server in the workspace never answered");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    code = await openApp(portal.url, cookie, "code");
    for (let tries = 0; (await appFetch(`${code.origin}/healthz`, { headers: { cookie: code.cookie, accept: "application/json" } })).status !== 200; tries++) {
      if (tries > 360) throw new Error("VS Code in the workspace never answered");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 180_000);
  afterAll(async () => {
    await portal?.cleanup();
  });

  it("passes the X- headers apps use, and no identity or credential header a front proxy or SSO adds", async () => {
    const smuggled = {
      "X-MS-Client-Principal": "eyJ1c2VyIjoiYWRtaW4ifQ==",
      "X-MS-Client-Principal-Name": "admin@example.org",
      "X-SSL-Client-Cert": "-----BEGIN CERTIFICATE-----",
      "X-SSL-Client-S-DN": "CN=admin",
      "X-Client-Cert": "MIIB",
      "X-Email": "admin@example.org",
      "X-Access-Token": "ya29.token",
      "X-JupyterHub-User": "admin",
      "X-Forwarded-User": "admin",
      Authorization: "Bearer stolen",
    };
    const appOwn = {
      "X-Requested-With": "XMLHttpRequest",
      "X-XSRFToken": "2|jupyter",
      "X-CSRFToken": "django",
      "X-Http-Method-Override": "PUT",
    };
    const seen = await send(app, "POST", { ...smuggled, ...appOwn, "content-type": "application/json" }, "{}");
    for (const [name, value] of Object.entries(appOwn)) expect(seen.get(name.toLowerCase()), name).toBe(value);
    for (const name of Object.keys(smuggled)) expect(seen.has(name.toLowerCase()), name).toBe(false);
    expect([...seen.values()].join("\n")).not.toMatch(/admin|stolen|ya29|BEGIN CERTIFICATE|MIIB/);
    expect(seen.get("host")).toBe(new URL(app.origin).host);
  });

  it("passes no header that the browser's Connection header names", async () => {
    const seen = await send(app, "GET", {
      Connection: "keep-alive, X-Requested-With, Accept-Language",
      "X-Requested-With": "XMLHttpRequest",
      "Accept-Language": "de",
      "X-XSRFToken": "still-here",
    });
    expect(seen.has("x-requested-with")).toBe(false);
    expect(seen.has("accept-language")).toBe(false);
    expect(seen.get("x-xsrftoken")).toBe("still-here");
  });

  it("still lets VS Code's WebSocket through to code-server, whatever else the browser's Connection names", async () => {
    const socket = `${code.origin}/?reconnectionToken=hdr-${process.pid}&reconnection=false&skipWebSocketFrames=false`;
    // Firefox sends "keep-alive, Upgrade"; a Connection that also names a header must not break the handshake.
    for (const connection of ["Upgrade", "keep-alive, Upgrade", "Upgrade, X-Requested-With"]) {
      expect(await upgradeStatus(socket, { cookie: code.cookie, origin: code.origin, connection, "x-requested-with": "x" }), connection).toBe(101);
    }
  });
});
