import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_SERVER_COOKIE, AppSecrets } from "../../lib/apps/code-server-secret";
import { LABEL } from "../../lib/workspace/labels";
import { WORKSPACE_IMAGE } from "../support/images";
import { appFetch, loopback, openApp, type OpenedApp } from "../support/app-client";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";

const SECRET = "vscode-at-start-secret-0123456789abcdef";

describe("VS Code started with the workspace (CODE_SERVER_AT_START=true)", () => {
  let portal: PortalProcess;
  let name: string;
  let cookie: string;
  let code: OpenedApp;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", AUTH_SECRET: SECRET, CODE_SERVER_AT_START: "true" });
  });
  afterAll(() => portal?.cleanup());

  it("has VS Code answering after Open Workspace alone, without the user opening it", async () => {
    cookie = await sessionCookie(SECRET, { sub: "at-start-1", username: "carol" });
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(started.status).toBe(200);
    expect(await started.text()).toContain('"running"');
    ({ name } = (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json()) as { name: string });
    code = await openApp(portal.url, cookie, "code");
    expect(new URL(code.origin).hostname).toBe(`code--${name}.localhost`);

    // An asset request never starts VS Code itself (it gets 503 while VS Code is down), so a 200 here means the
    // workspace start did.
    const deadline = Date.now() + 90_000;
    let status = 0;
    while (Date.now() < deadline) {
      const res = await appFetch(`${code.origin}/healthz`, { headers: { cookie: code.cookie, accept: "application/json" } });
      status = res.status;
      await res.body?.cancel();
      if (status === 200) break;
      expect(status).toBe(503);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });

  it("serves VS Code's static files itself, byte for byte what code-server serves, to the owner only", async () => {
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    const ip = Object.values(container!.NetworkSettings.Networks)[0]!.IPAddress;
    // code-server asks for its password; the portal presents it (a cookie) on the owner's behalf.
    const page = await (await appFetch(`${code.origin}/`, { headers: { cookie: code.cookie } })).text();
    const version = /\b(stable-[0-9a-f]{40})\//.exec(page)![1]!;
    const asset = `${version}/static/out/nls.messages.js`;
    // What code-server itself serves to the holder of its password (the portal's, derived from AUTH_SECRET).
    const gate = `${CODE_SERVER_COOKIE}=${new AppSecrets(SECRET).for(name)}`;
    const direct = Buffer.from(await (await fetch(`http://${ip}:8080/${asset}`, { headers: { "accept-encoding": "identity", cookie: gate } })).arrayBuffer());
    const url = `${code.origin}/${asset}`;

    // The copy out of the image happens in the background after start; until then code-server answers.
    let plain!: Response;
    await expect
      .poll(async () => {
        plain = (await appFetch(url, { headers: { cookie: code.cookie, "accept-encoding": "identity" } })) as unknown as Response;
        return plain.headers.get("x-served-from");
      }, { timeout: 60_000 })
      .toBe("workspace-image");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript");
    expect(plain.headers.get("cache-control")).toContain("max-age=31536000");
    expect(Buffer.from(await plain.arrayBuffer()).equals(direct)).toBe(true);

    // undici's request, unlike fetch, hands over the body as sent.
    const zipped = await request(url, { dispatcher: loopback, headers: { cookie: code.cookie, "accept-encoding": "gzip, deflate, br" } });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(Buffer.from(await zipped.body.arrayBuffer())).equals(direct)).toBe(true);

    // Anything the copy lacks still goes to code-server, and nobody else gets past the owner check.
    const missing = await appFetch(`${code.origin}/${version}/static/out/no-such-file.js`, { headers: { cookie: code.cookie } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-served-from")).toBeNull();
    // Dave's portal cookie means nothing on carol's app host, and neither does his own app's cookie.
    const dave = await sessionCookie(SECRET, { sub: "at-start-2", username: "dave" });
    const daveCode = await openApp(portal.url, dave, "code");
    for (const foreignCookie of [dave, daveCode.cookie, cookie]) {
      const foreign = await appFetch(url, { headers: { cookie: foreignCookie }, redirect: "manual" });
      expect(foreign.status).toBe(401);
      expect(foreign.headers.get("x-served-from")).toBeNull();
    }
  });

  it("opens to its own workspace's password only: what the proxy presents for another workspace is refused", async () => {
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    const ip = Object.values(container!.NetworkSettings.Networks)[0]!.IPAddress;
    // Were dave's cached address ever to lead to carol's workspace (her container given his old address before
    // the portal heard of it), the proxy would present dave's password, and carol's VS Code would not open.
    const dave = await openApp(portal.url, await sessionCookie(SECRET, { sub: "at-start-2", username: "dave" }), "code");
    const daves = new URL(dave.origin).hostname.split(".")[0]!.replace(/^code--/, "");
    expect(daves).not.toBe(name);
    const as = async (slug: string) =>
      (await fetch(`http://${ip}:8080/`, { headers: { cookie: `${CODE_SERVER_COOKIE}=${new AppSecrets(SECRET).for(slug)}` }, redirect: "manual" })).status;
    expect(await as(name)).toBe(200);
    expect(await as(daves)).toBe(302); // to code-server's sign-in page, which no one can pass
  });
});
