import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { appFetch, exchange, loopback, openApp, ticketFor, type OpenedApp } from "../support/app-client";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { execInWorkspace, spawnInWorkspace } from "../support/workspace-exec";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";
import { openUpgraded, upgradeStatus } from "../support/upgrade";

// A server that answers with what it was sent: the way to see, from inside, what crossed the proxy.
const ECHO_SERVER = `
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("set-cookie", "next-auth.session-token=forged; Path=/")
        self.send_header("set-cookie", "=next-auth.session-token=nameless; Path=/")
        self.send_header("set-cookie", "portal-app=forged; Path=/")
        self.send_header("set-cookie", "echo-app=1; Domain=localhost; Path=/")
        self.send_header("service-worker-allowed", "/")
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
`;

describe("VS Code and port previews on their own origins", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let vscode: Page;
  let slug: string;
  let aliceCookie: string;
  let codeOrigin: string;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g" });
    browser = await launchBrowser();
    alice = await browser.newContext({ viewport: { width: 1300, height: 850 } });
    page = await alice.newPage();
    await signIn(page, portal.url, "alice", "alice");
    aliceCookie = await sessionCookieHeader(page);
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    slug = (await (await page.request.get(`${portal.url}/api/workspace`)).json()).name;
    codeOrigin = `http://code--${slug}.localhost:${portal.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("opens VS Code in a tab of its own, on its own origin, whose explorer shows a file made in the terminal", async () => {
    await typeLine(page, "echo hello > ~/made-in-terminal.txt && echo made");
    await waitForText(page, /^made$/m);
    await page.getByTestId("view-code").click();
    const opened = alice.waitForEvent("page");
    await page.getByTestId("open-vscode").click();
    vscode = await opened;
    await vscode.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    expect(new URL(vscode.url()).origin).toBe(codeOrigin);
    expect(vscode.url()).not.toContain("ticket=");
    await vscode.locator(".explorer-folders-view .monaco-list-row", { hasText: "made-in-terminal.txt" }).waitFor({ timeout: 60_000 });
    // The portal's session cookie lives on the portal's host only; the app has a cookie of its own.
    const appCookies = await alice.cookies(codeOrigin);
    expect(appCookies.map((c) => c.name)).toEqual(["portal-app"]);
    expect(appCookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax", domain: `code--${slug}.localhost` });
    await page.getByTestId("vscode-state").filter({ hasText: "VS Code is running" }).waitFor({ timeout: 15_000 });
    // Dark like the portal, without a welcome page or AI chat, from the first start: settings the user now owns.
    const settings = await execInWorkspace(portal, "alice", "cat /home/user/.local/share/code-server/User/settings.json");
    expect(settings).toContain('"workbench.colorTheme": "Default Dark Modern"');
    expect(settings).toContain('"workbench.startupEditor": "none"');
    expect(settings).toContain('"chat.disableAIFeatures": true');
  });

  it("saves a file from VS Code's own terminal into the home directory on the host, and survives a reload", async () => {
    await vscode.locator(".monaco-workbench").click({ position: { x: 600, y: 300 } });
    await vscode.keyboard.press("F1");
    await vscode.locator(".quick-input-widget input").waitFor();
    await vscode.keyboard.type("Terminal: Create New Terminal");
    await vscode.locator(".quick-input-list .monaco-list-row", { hasText: "Create New Terminal" }).first().waitFor();
    await vscode.keyboard.press("Enter");
    await vscode.locator(".terminal-wrapper .xterm").first().waitFor({ timeout: 60_000 });
    await vscode.waitForTimeout(2000); // the shell's prompt
    await vscode.keyboard.type("echo saved-by-vscode > ~/from-vscode.txt\n");
    const onHost = path.join(portal.dataRoot, "users", slug, "from-vscode.txt");
    await expect.poll(() => fs.existsSync(onHost) && fs.readFileSync(onHost, "utf8"), { timeout: 30_000 }).toBe("saved-by-vscode\n");
    await vscode.reload();
    await vscode.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    expect(new URL(vscode.url()).origin).toBe(codeOrigin);
  });

  it("sends a visitor without the app's cookie to the portal, and refuses their requests and WebSockets", async () => {
    // undici's request, unlike fetch, sends Sec-Fetch-Mode as given: here, as a browser's page load does.
    const navigation = await request(`${codeOrigin}/?folder=/home/user`, { dispatcher: loopback, headers: { accept: "text/html", "sec-fetch-mode": "navigate" } });
    expect(navigation.statusCode).toBe(302);
    const to = new URL(String(navigation.headers.location));
    expect(to.origin).toBe(portal.url);
    expect(to.pathname).toBe("/open/code");
    expect(to.searchParams.get("workspace")).toBe(slug);
    expect(to.searchParams.get("path")).toBe("/?folder=/home/user");
    // The portal's own session cookie is no credential on an app's host.
    expect((await appFetch(`${codeOrigin}/healthz`, { headers: { cookie: aliceCookie } })).status).toBe(401);
    expect(await upgradeStatus(`${codeOrigin}/`, { origin: codeOrigin, cookie: aliceCookie })).toBe(401);
    // The portal page, without a session, asks for sign-in and comes back.
    const anonymous = await browser.newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(`${codeOrigin}/`);
    expect(new URL(visitor.url()).pathname).toBe("/signin");
    await anonymous.close();
  });

  it("keeps bob out of alice's editor and ports, in the browser and with her tickets", async () => {
    const bob = await browser.newContext();
    const bobPage = await bob.newPage();
    await signIn(bobPage, portal.url, "bob", "bob");
    await bobPage.goto(`${codeOrigin}/`);
    await bobPage.getByTestId("not-your-workspace").waitFor();
    expect(new URL(bobPage.url()).origin).toBe(portal.url);
    const bobCookie = await sessionCookieHeader(bobPage);
    // bob's tickets and app cookies are for bob's own hosts; on alice's they are nothing.
    const bobsCode = await openApp(portal.url, bobCookie, "code");
    expect(bobsCode.origin).not.toBe(codeOrigin);
    expect((await appFetch(`${codeOrigin}/healthz`, { headers: { cookie: bobsCode.cookie } })).status).toBe(401);
    expect(await upgradeStatus(`${codeOrigin}/`, { cookie: bobsCode.cookie, origin: codeOrigin })).toBe(401);
    const bobTicket = new URL(await ticketFor(portal.url, bobCookie, "code"));
    const onAlices = await exchange(`${codeOrigin}${bobTicket.pathname}${bobTicket.search}`);
    expect(onAlices.status).toBe(403);
    expect(onAlices.headers.getSetCookie()).toEqual([]);
    await bob.close();
  });

  it("spends a ticket once, and refuses it on another app's host", async () => {
    const url = await ticketFor(portal.url, aliceCookie, "code");
    const other = new URL(url);
    const first = await exchange(url);
    expect(first.status).toBe(303);
    const again = await exchange(url);
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("used already");
    const fresh = new URL(await ticketFor(portal.url, aliceCookie, "code"));
    const onPort = await exchange(`http://8000--${slug}.localhost:${portal.port}${fresh.pathname}${fresh.search}`);
    expect(onPort.status).toBe(403);
    expect(onPort.headers.getSetCookie()).toEqual([]);
    expect(other.pathname).toBe("/__portal/auth");
  });

  it("accepts the owner's WebSocket only from the app's own origin", async () => {
    const code = await openApp(portal.url, aliceCookie, "code");
    for (const origin of ["https://evil.example", portal.url, `http://8000--${slug}.localhost:${portal.port}`]) {
      expect(await upgradeStatus(`${codeOrigin}/`, { cookie: code.cookie, origin }), origin).toBe(403);
    }
    // What VS Code's own page opens: code-server (given its password by the portal) switches protocols.
    const socket = `${codeOrigin}/?reconnectionToken=test-${Date.now()}&reconnection=false&skipWebSocketFrames=false`;
    expect(await upgradeStatus(socket, { cookie: code.cookie, origin: codeOrigin })).toBe(101);
  });

  it("passes only the app's own cookies and listed headers into the workspace, and filters what comes back", async () => {
    await spawnInWorkspace(portal, "alice", ["python3", "-c", ECHO_SERVER, "8765"]);
    const echo: OpenedApp = await openApp(portal.url, aliceCookie, "8765", "/some/path?x=1");
    expect(echo.location).toBe("/some/path?x=1");
    const url = `${echo.origin}/some/path?x=1`;
    await expect.poll(async () => (await appFetch(url, { headers: { cookie: echo.cookie } })).status, { timeout: 20_000 }).toBe(200);
    const response = await appFetch(url, {
      headers: { cookie: `${echo.cookie}; ${aliceCookie}; theme=dark`, authorization: "Basic YWxpY2U6cHc=", "x-forwarded-for": "6.6.6.6", "x-remote-user": "admin" },
    });
    const seen = (await response.json()) as { path: string; headers: Record<string, string> };
    const header = (name: string) => Object.entries(seen.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    expect(seen.path).toBe("/some/path?x=1");
    expect(header("cookie")).toBe("theme=dark");
    expect(JSON.stringify(seen.headers)).not.toMatch(/next-auth|portal-idp|portal-app|Basic|6\.6\.6\.6|admin/);
    expect(header("x-forwarded-host")).toBe(new URL(echo.origin).host);
    expect(header("host")).toBe(new URL(echo.origin).host);
    expect(response.headers.getSetCookie()).toEqual(["echo-app=1; Path=/"]);
    expect(response.headers.get("service-worker-allowed")).toBeNull();
  });

  it("previews a server the user starts, from the Ports view, on the port's own origin", async () => {
    await spawnInWorkspace(portal, "alice", ["bash", "-c", "mkdir -p ~/site && echo '<h1>preview works</h1>' > ~/site/index.html && cd ~/site && exec python3 -m http.server 8000"]);
    // Said wherever the user is on the workspace page, as soon as it listens.
    await page.getByTestId("port-toast").filter({ hasText: "Port 8000 is available" }).waitFor({ timeout: 20_000 });
    await page.getByTestId("view-ports").click();
    const item = page.getByTestId("port-item").filter({ hasText: "8000" });
    await item.waitFor({ timeout: 15_000 });
    expect(await item.getByTestId("port-command").textContent()).toBe("python3 -m http.server 8000");
    // VS Code (running since the first test) and its helpers are not the user's servers to open.
    expect(await page.getByTestId("port-item").filter({ hasText: "8080" }).count()).toBe(0);
    await alice.grantPermissions(["clipboard-read", "clipboard-write"], { origin: portal.url });
    await item.getByTestId("copy-port-url").click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(`http://8000--${slug}.localhost:${portal.port}/`);
    const opened = alice.waitForEvent("page");
    await item.getByTestId("open-port").click();
    const preview = await opened;
    await preview.locator("h1", { hasText: "preview works" }).waitFor({ timeout: 30_000 });
    expect(new URL(preview.url()).origin).toBe(`http://8000--${slug}.localhost:${portal.port}`);
    await preview.close();
  });

  it("opens a server that listens on 127.0.0.1 only, through a relay in the workspace", async () => {
    await spawnInWorkspace(portal, "alice", ["bash", "-c", "mkdir -p ~/site3 && echo '<h1>loopback works</h1>' > ~/site3/index.html && cd ~/site3 && exec python3 -m http.server 8020 --bind 127.0.0.1"]);
    await page.getByTestId("view-ports").click();
    const item = page.getByTestId("port-item").filter({ hasText: "8020" });
    await item.getByTestId("port-loopback").waitFor({ timeout: 20_000 });
    const opened = alice.waitForEvent("page");
    await item.getByTestId("open-port").click();
    const preview = await opened;
    await preview.locator("h1", { hasText: "loopback works" }).waitFor({ timeout: 30_000 });
    expect(new URL(preview.url()).origin).toBe(`http://8020--${slug}.localhost:${portal.port}`);
    await preview.close();
    // The relay is the portal's: the server is still the one listed, and the relay leaves with it.
    expect(await item.getByTestId("port-command").textContent()).toBe("python3 -m http.server 8020 --bind 127.0.0.1");
    await execInWorkspace(portal, "alice", "pkill -f 'http.server 8020'");
    await expect.poll(() => execInWorkspace(portal, "alice", "ps -eo args"), { timeout: 15_000 }).not.toContain("scitex-port-relay");
  });

  it("answers a port nobody listens on with a friendly 502 page and a retry", async () => {
    const dead = await alice.newPage();
    await dead.goto(`${portal.url}/open/8999`);
    await dead.locator("body", { hasText: "Nothing is listening on port 8999" }).waitFor({ timeout: 30_000 });
    expect(new URL(dead.url()).origin).toBe(`http://8999--${slug}.localhost:${portal.port}`);
    await dead.getByRole("button", { name: "Retry" }).waitFor();
    await dead.close();
  });

  it("opens Jupyter Notebook on its own origin with no token to type, and runs the workspace's Python in it", async () => {
    const notebook = {
      cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ["import numpy; numpy.__version__"] }],
      metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    await execInWorkspace(portal, "alice", `cat > /home/user/analysis.ipynb <<'EOF'\n${JSON.stringify(notebook)}\nEOF`);
    await page.goto(`${portal.url}/`);
    const opened = alice.waitForEvent("page");
    await page.getByTestId("open-notebook").click();
    const tab = await opened;
    await tab.waitForURL(new RegExp(`^http://nb--${slug}\\.localhost:${portal.port}/tree`), { timeout: 90_000 });
    await tab.getByText("analysis.ipynb").waitFor({ timeout: 30_000 });
    expect(tab.url()).not.toContain("token");

    await tab.goto(`http://nb--${slug}.localhost:${portal.port}/notebooks/analysis.ipynb`);
    // A run asked for before the kernel is connected is dropped, and a busy machine starts the kernel slowly:
    // wait for it to be idle (the notebook's own indicator), and run the cell again until its output is there.
    await tab.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 90_000 }).catch(() => undefined);
    await expect
      .poll(
        async () => {
          const output = (await tab.locator(".output_area").first().textContent({ timeout: 1_000 }).catch(() => "")) ?? "";
          if (/'\d+\.\d+\.\d+'/.test(output)) return output;
          await tab.locator(".cell .CodeMirror").first().click();
          await tab.keyboard.press("Shift+Enter");
          return output;
        },
        { timeout: 90_000, interval: 3_000 },
      )
      .toMatch(/'\d+\.\d+\.\d+'/);
    await tab.close();

    // Without the portal's token, the server answers nothing: reaching its address is not enough.
    expect(await execInWorkspace(portal, "alice", "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8888/api/contents")).toContain("403");
  });

  it("ends every app's access when alice signs out of the portal, open WebSockets included", async () => {
    const before = await vscode.evaluate(() => fetch("/healthz").then((r) => r.status));
    expect(before).toBe(200);
    // A socket opened under the same sign-in (this cookie is a copy of the browser's), as VS Code's are.
    const code = await openApp(portal.url, aliceCookie, "code");
    const socket = await openUpgraded(`${codeOrigin}/?reconnectionToken=signout-${Date.now()}&reconnection=false&skipWebSocketFrames=false`, {
      cookie: code.cookie,
      origin: codeOrigin,
    });
    const closed = new Promise((resolve) => socket.once("close", resolve));
    await page.goto(`${portal.url}/`);
    const signedOut = page.waitForResponse((r) => r.url().endsWith("/api/auth/signout") && r.request().method() === "POST");
    await page.getByRole("button", { name: /sign out/i }).click();
    expect((await (await signedOut).allHeaders())["clear-site-data"]).toBe('"cache", "storage"');
    await page.waitForURL(/\/signin/);
    await expect.poll(() => vscode.evaluate(() => fetch("/healthz").then((r) => r.status)), { timeout: 10_000 }).toBe(401);
    await closed;
    expect((await appFetch(`${codeOrigin}/healthz`, { headers: { cookie: code.cookie } })).status).toBe(401);
    // A copy of the old portal cookie is no session any more either.
    expect((await fetch(`${portal.url}/api/workspace`, { headers: { cookie: aliceCookie } })).status).toBe(401);
  });

  it("starts a stopped workspace again when an open preview is reloaded, instead of failing on its old address", async () => {
    // Signed in afresh: the test before signed alice out.
    const again = await browser.newContext();
    const preview = await again.newPage();
    await signIn(preview, portal.url, "alice", "alice");
    await spawnInWorkspace(portal, "alice", ["bash", "-c", "mkdir -p ~/site2 && echo '<h1>served before the stop</h1>' > ~/site2/index.html && cd ~/site2 && exec python3 -m http.server 8010"]);
    // Retried until the server is up; the portal's /open page passes on to the app by itself (a second navigation).
    await expect
      .poll(
        async () => {
          await preview.goto(`${portal.url}/open/8010`, { waitUntil: "commit" }).catch(() => undefined);
          return preview.locator("h1", { hasText: "served before the stop" }).waitFor({ timeout: 5_000 }).then(() => 1, () => 0);
        },
        { timeout: 45_000 },
      )
      .toBe(1);
    const stopped = await again.request.post(`${portal.url}/api/workspace/stop`, { headers: { origin: portal.url } });
    expect(stopped.status()).toBe(200);
    // The proxy still remembers the container's old address: the reload must find out and go through the portal.
    await preview.reload();
    // Started again (the server did not survive the stop, so nothing listens yet): said by the new container.
    await preview.locator("body", { hasText: "Nothing is listening on port 8010" }).waitFor({ timeout: 60_000 });
    expect(new URL(preview.url()).origin).toBe(`http://8010--${slug}.localhost:${portal.port}`);
    const state = (await (await again.request.get(`${portal.url}/api/workspace`)).json()) as { state: string };
    expect(state.state).toBe("running");
    await again.close();
  });
});
