import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import http from "node:http";
import { appFetch, openApp, toLoopback, type OpenedApp } from "../support/app-client";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { spawnInWorkspace } from "../support/workspace-exec";

const SECRET = "proxy-address-reuse-secret-0123456789ab";
const alice = { sub: "reuse-alice", username: "alice" };
const bob = { sub: "reuse-bob", username: "bob" };
const PORT = 8765;

/** A preview server in the user's workspace whose page names its owner (busybox httpd: one connection per request). */
function serveOwnName(portal: PortalProcess, username: string): Promise<void> {
  const script = `mkdir -p "$HOME/www" && echo "${username}-server" > "$HOME/www/index.html" && exec httpd -f -p ${PORT} -h "$HOME/www"`;
  return spawnInWorkspace(portal, username, ["sh", "-c", script]);
}

/** The user's running workspace as the engine sees it: its slug and its address. */
async function workspaceOf(portal: PortalProcess, username: string): Promise<{ slug: string; ip: string }> {
  const [found] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.username}=${username}`] } });
  if (!found) throw new Error(`${username} has no running workspace`);
  const info = await portal.docker.getContainer(found.Id).inspect();
  const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress ?? "";
  return { slug: info.Config.Labels[LABEL.slug] ?? "", ip };
}

async function until<T>(what: string, look: () => Promise<T | undefined>, tries = 240): Promise<T> {
  for (let attempt = 0; attempt < tries; attempt++) {
    const seen = await look().catch(() => undefined);
    if (seen !== undefined) return seen;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`never: ${what}`);
}

async function post(portal: PortalProcess, cookie: string, path: string): Promise<void> {
  const response = await fetch(`${portal.url}${path}`, { method: "POST", headers: { cookie, origin: portal.url } });
  expect(response.status, await response.text()).toBe(200);
}

/** A page load, as a browser sends it (fetch may not say `sec-fetch-mode: navigate`). */
function navigate(app: OpenedApp): Promise<{ status: number; location: string }> {
  const url = new URL(app.origin);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: url.hostname, port: url.port, path: "/", headers: { cookie: app.cookie, "sec-fetch-mode": "navigate" }, lookup: toLoopback, agent: false },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? "" });
      },
    );
    req.on("error", reject);
  });
}

/** The portal's log says it told every part that keeps addresses (the proxy's targets first) of this change. */
function told(portal: PortalProcess, slug: string, what: string): boolean {
  return portal
    .logs()
    .split("\n")
    .some((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; slug?: string; what?: string };
        return entry.msg === "workspace changed" && entry.slug === slug && entry.what === what;
      } catch {
        return false;
      }
    });
}

describe("an app session after its workspace's address went to another user's workspace", () => {
  let portal: PortalProcess;
  let aliceCookie: string;
  let bobCookie: string;
  let app: OpenedApp;

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET });
    aliceCookie = await sessionCookie(SECRET, alice);
    bobCookie = await sessionCookie(SECRET, bob);
  }, 120_000);
  afterAll(async () => {
    await portal?.cleanup();
  });

  it("never reaches bob's server through alice's still-valid preview session", async () => {
    await post(portal, aliceCookie, "/api/workspace/start");
    await serveOwnName(portal, "alice");
    app = await openApp(portal.url, aliceCookie, String(PORT));
    // Alice uses her preview: the proxy now remembers where it goes.
    await until("alice's preview answered through the proxy", async () => {
      const response = await appFetch(`${app.origin}/`, { headers: { cookie: app.cookie } });
      const text = await response.text();
      return response.status === 200 && text.includes("alice-server") ? true : undefined;
    });
    const before = await workspaceOf(portal, "alice");

    // Her workspace stops (no request of hers in between: an upstream error would make the proxy forget by itself).
    await post(portal, aliceCookie, "/api/workspace/stop");
    await until("the portal was told alice's workspace stopped", async () => (told(portal, before.slug, "stopped") ? true : undefined));

    // Bob's workspace starts and takes her address (the engine gives out the first free one), with a server on
    // the same port.
    await post(portal, bobCookie, "/api/workspace/start");
    const bobs = await workspaceOf(portal, "bob");
    expect(bobs.ip, "bob's workspace should have been given alice's old address").toBe(before.ip);
    await serveOwnName(portal, "bob");
    await until("bob's server answered at alice's old address", async () => {
      const response = await fetch(`http://${bobs.ip}:${PORT}/`);
      return (await response.text()).includes("bob-server") ? true : undefined;
    });

    // Alice's next request, with the app session she still holds: her workspace is not running, and that is all.
    const fetched = await appFetch(`${app.origin}/`, { headers: { cookie: app.cookie } });
    const text = await fetched.text();
    expect(text).not.toContain("bob-server");
    expect(fetched.status).toBe(503);
    expect(text).toBe("The workspace is not running.");
    // A page load goes to the portal, which would start her own workspace.
    const page = await navigate(app);
    expect(page.status).toBe(302);
    expect(page.location).toContain(`${portal.url}/`);
  }, 240_000);
});
