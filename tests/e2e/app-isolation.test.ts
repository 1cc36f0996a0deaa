import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppTickets } from "../../lib/apps/app-tickets";
import { workspaceSlug } from "../../lib/identity/naming";
import { openSqliteStore } from "../../lib/store/sqlite";
import { LABEL } from "../../lib/workspace/labels";
import { appFetch, exchange } from "../support/app-client";
import { launchBrowser, signIn } from "../support/browser";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";
import { WORKSPACE_IMAGE } from "../support/images";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";
import { execInWorkspace, spawnInWorkspace } from "../support/workspace-exec";

const SECRET = "isolation-secret-isolation-secret-0123";
const USERS = [
  { username: "alice", password: "alice-pw-1", email: "alice@lab.example" },
  { username: "bob", password: "bob-pw-2", email: "bob@lab.example" },
];
const FIXTURES = path.join(import.meta.dirname, "fixtures");

/**
 * Deployed as production is: the portal on one site (portal.test), apps on another (*.apps.test), both mapped to
 * loopback in Chromium; sign-in through the Django site; the owner an admin. A hostile page served from inside
 * alice's own workspace tries everything it can against the portal and her other apps.
 */
describe("a hostile page in a port preview of alice's own workspace", () => {
  let idp: DjangoIdp;
  let portal: PortalProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let portalUrl: string;
  let slug: string;
  let code: string;
  let hostile: string;
  let results: Record<string, string>;

  beforeAll(async () => {
    const port = await freePort();
    portalUrl = `http://portal.test:${port}`;
    idp = await startDjangoIdp({ users: USERS, clientId: "portal", clientSecret: "isolation", redirectUris: [`${portalUrl}/api/auth/callback/oidc`] });
    slug = workspaceSlug("alice", await idp.userSub("alice"));
    code = `http://code--${slug}.apps.test:${port}`;
    hostile = `http://8000--${slug}.apps.test:${port}`;
    portal = await startPortal(
      {
        NODE_ENV: "production",
        PUBLIC_URL: portalUrl,
        APPS_URL: `http://*.apps.test:${port}`,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: "portal",
        OIDC_CLIENT_SECRET: "isolation",
        AUTH_SECRET: SECRET,
        ADMIN_USERNAMES: "alice",
        WORKSPACE_IMAGE,
        WORKSPACE_MEMORY: "3g",
      },
      port,
    );
    // Plain http is no secure context outside localhost; these flags make it one, so service workers can be tried.
    browser = await launchBrowser([
      `--host-resolver-rules=MAP portal.test 127.0.0.1, MAP *.apps.test 127.0.0.1`,
      `--unsafely-treat-insecure-origin-as-secure=${portalUrl},${code},${hostile}`,
    ]);
    alice = await browser.newContext();
    page = await alice.newPage();
    await signIn(page, portalUrl, "alice", "alice-pw-1");
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
    await idp?.stop();
  });

  const portalFetch = (p: string, init: Parameters<typeof appFetch>[1] = {}) => appFetch(`${portalUrl}${p}`, init);
  const aliceCookie = async () => (await alice.cookies(portalUrl)).map((c) => `${c.name}=${c.value}`).join("; ");

  it("runs VS Code on its own origin, where the test leaves a secret in its storage", async () => {
    await page.goto(`${portalUrl}/open/code`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    expect(new URL(page.url()).origin).toBe(code);
    await page.evaluate(() => localStorage.setItem("marker", "vscode-secret"));
  });

  it("is served from alice's workspace on its own origin", async () => {
    const site = "/home/user/hostile";
    await execInWorkspace(portal, "alice", `mkdir -p ${site}/sub`);
    const put = (name: string, text: string) => execInWorkspace(portal, "alice", `cat > ${site}/${name} <<'EOF_FIXTURE'\n${text}\nEOF_FIXTURE`);
    await put("server.py", fs.readFileSync(path.join(FIXTURES, "hostile-site.py"), "utf8"));
    await put("attack.js", fs.readFileSync(path.join(FIXTURES, "hostile-attack.js"), "utf8"));
    await put("sub/sw.js", "self.addEventListener('fetch', (e) => e.respondWith(new Response('hijacked')));");
    const targets = { portal: portalUrl, code, codeHost: new URL(code).hostname, portalHost: "portal.test" };
    await put("index.html", `<!doctype html><title>hostile</title><script>window.ATTACK_TARGETS = ${JSON.stringify(targets)};</script><script src="/attack.js"></script>`);
    await spawnInWorkspace(portal, "alice", ["python3", `${site}/server.py`, site, "8000"]);
    const cookiesBefore = await alice.cookies(portalUrl);
    await expect
      .poll(async () => {
        await page.goto(`${portalUrl}/open/8000`);
        await page.waitForURL(`${hostile}/`, { timeout: 30_000 });
        return page.title();
      }, { timeout: 60_000 })
      .toBe("hostile");
    results = (await page.evaluate(() => (window as unknown as { attack: Promise<Record<string, string>> }).attack)) as Record<string, string>;
    // The portal's cookies are as they were: nothing was planted, nothing shadowed.
    expect(await alice.cookies(portalUrl)).toEqual(cookiesBefore);
  });

  it("cannot read any portal API, nor make it act", async () => {
    for (const name of ["session", "terminals", "workspace", "adminWorkspaces", "addKey", "ticket"]) expect(results[name], name).toBe("blocked");
    // The blind requests left the browser, but changed nothing: no key planted, the workspace still running.
    const keys = (await (await portalFetch("/api/ssh/keys", { headers: { cookie: await aliceCookie() } })).json()) as { keys: unknown[] };
    expect(keys.keys).toEqual([]);
    const workspace = (await (await portalFetch("/api/workspace", { headers: { cookie: await aliceCookie() } })).json()) as { state: string };
    expect(workspace.state).toBe("running");
  });

  it("cannot open the terminal socket or VS Code's socket", () => {
    expect(results.terminalSocket).toBe("refused");
    expect(results.codeSocket).toBe("refused");
  });

  it("cannot register a service worker for the portal, for VS Code, or for its whole origin", () => {
    expect(results.workerOnPortal).toBe("SecurityError");
    expect(results.workerOnCode).toBe("SecurityError");
    // Its server sent Service-Worker-Allowed: /, which the proxy did not pass on.
    expect(results.workerWideScope).toBe("SecurityError");
  });

  it("cannot set cookies for the portal or VS Code's host, nor read VS Code's storage", async () => {
    // VS Code's host holds its own session cookie and nothing the hostile page tried to plant there.
    expect((await alice.cookies(code)).map((c) => c.name)).toEqual(["portal-app"]);
    expect(results.codeStorage).toBe("SecurityError");
    expect(results.ownStorage).toBe("null");
  });

  it("refuses the portal's own requests from an app's origin at the server too", async () => {
    const cookie = await aliceCookie();
    for (const [p, body] of [["/api/ssh/keys", { name: "x", publicKey: "ssh-ed25519 AAAA x" }], ["/api/apps/ticket", { app: "code" }], ["/api/ssh/approvals/abc", { approve: true }], ["/api/workspace/stop", {}]] as const) {
      const response = await portalFetch(p, { method: "POST", headers: { cookie, origin: hostile, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(response.status, p).toBe(403);
    }
  });

  it("keeps bob, a visitor, an expired ticket and another app's ticket out of alice's apps", async () => {
    const bob = await browser.newContext();
    const bobPage = await bob.newPage();
    await signIn(bobPage, portalUrl, "bob", "bob-pw-2");
    await bobPage.goto(`${hostile}/`);
    await bobPage.getByTestId("not-your-workspace").waitFor();
    expect(await bobPage.title()).not.toBe("hostile");
    await bob.close();

    const visitor = await browser.newContext();
    const visitorPage = await visitor.newPage();
    await visitorPage.goto(`${hostile}/`);
    expect(new URL(visitorPage.url()).origin).toBe(portalUrl);
    await visitor.close();

    // A ticket signed with the portal's own key, but a minute and a half old.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickets-"));
    const aliceSub = await idp.userSub("alice");
    const old = new AppTickets(SECRET, portalUrl, openSqliteStore(dir).db, () => Date.now() - 90_000);
    const address = { slug, app: { kind: "code" as const } };
    const expired = await old.issue({ sub: aliceSub, sid: "any", address, path: "/", portalExpiresAt: Date.now() + 3600_000 }, new URL(code).host);
    const tooLate = await exchange(`${code}/__portal/auth?ticket=${expired}`);
    expect(tooLate.status).toBe(403);
    expect(await tooLate.text()).toContain("expired");
    // A fresh ticket for VS Code, presented on the hostile port's host.
    const fresh = new AppTickets(SECRET, portalUrl, openSqliteStore(dir).db);
    const forCode = await fresh.issue({ sub: aliceSub, sid: "any", address, path: "/", portalExpiresAt: Date.now() + 3600_000 }, new URL(code).host);
    const elsewhere = await exchange(`${hostile}/__portal/auth?ticket=${forCode}`);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.getSetCookie()).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps code-server shut to an unprivileged process on the host that reaches the workspace's address", async () => {
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.username}=alice`] } });
    const ip = Object.values(container!.NetworkSettings.Networks)[0]!.IPAddress;
    const asNobody = (...args: string[]) =>
      execFileSync("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", ...args], { encoding: "utf8" });
    // The network reaches it (the health check answers), but the editor wants a password nobody there has.
    expect(asNobody(`http://${ip}:8080/healthz`)).toBe("200");
    expect(asNobody(`http://${ip}:8080/`)).toBe("302");
    const upgrade = ["-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg=="];
    expect(asNobody(...upgrade, `http://${ip}:8080/?reconnectionToken=x&reconnection=false&skipWebSocketFrames=false`)).toBe("401");
  });
});
