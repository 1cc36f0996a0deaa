import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { spawnInWorkspace } from "../support/workspace-exec";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";
import { upgradeStatus } from "../support/upgrade";

// A server that answers with what it was sent: the way to see, from inside, what crossed the proxy.
const ECHO_SERVER = `
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("set-cookie", "next-auth.session-token=forged; Path=/")
        self.send_header("set-cookie", "echo-app=1; Path=/")
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
`;

describe("VS Code and port previews through the portal's proxy", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let slug: string;
  let aliceCookie: string;

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
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });


  it("renders the VS Code workbench, whose explorer shows a file made in the terminal", async () => {
    await typeLine(page, "echo hello > ~/made-in-terminal.txt && echo made");
    await waitForText(page, /^made$/m);
    await page.getByTestId("view-code").click();
    const frame = page.frameLocator('[data-testid="vscode-frame"]');
    await frame.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    await frame.locator(".explorer-folders-view .monaco-list-row", { hasText: "made-in-terminal.txt" }).waitFor({ timeout: 60_000 });
  });

  it("saves a file from VS Code's own terminal into the home directory on the host", async () => {
    const frame = page.frameLocator('[data-testid="vscode-frame"]');
    await frame.locator(".monaco-workbench").click({ position: { x: 600, y: 300 } });
    await page.keyboard.press("F1");
    await frame.locator(".quick-input-widget input").waitFor();
    await page.keyboard.type("Terminal: Create New Terminal");
    await frame.locator(".quick-input-list .monaco-list-row", { hasText: "Create New Terminal" }).first().waitFor();
    await page.keyboard.press("Enter");
    await frame.locator(".terminal-wrapper .xterm").first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(2000); // the shell's prompt
    await page.keyboard.type("echo saved-by-vscode > ~/from-vscode.txt\n");
    const onHost = path.join(portal.dataRoot, "users", slug, "from-vscode.txt");
    await expect.poll(() => fs.existsSync(onHost) && fs.readFileSync(onHost, "utf8"), { timeout: 30_000 }).toBe("saved-by-vscode\n");
  });

  it("redirects the bare prefix to its slash form, keeping the query", async () => {
    const response = await fetch(`${portal.url}/workspace/${slug}/code?folder=/home/user`, { headers: { cookie: aliceCookie }, redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`/workspace/${slug}/code/?folder=/home/user`);
  });

  it("sends a visitor without a session to sign-in, and refuses their WebSocket", async () => {
    const response = await fetch(`${portal.url}/workspace/${slug}/code/`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/signin\?callbackUrl=/);
    expect(await upgradeStatus(`${portal.url}/workspace/${slug}/code/`, { origin: portal.url })).toBe(401);
  });

  it("gives another signed-in user 403 on alice's editor and ports, over HTTP and WebSocket", async () => {
    const bob = await browser.newContext();
    const bobPage = await bob.newPage();
    await signIn(bobPage, portal.url, "bob", "bob");
    const cookie = await sessionCookieHeader(bobPage);
    for (const suffix of ["code/", "code/healthz", "ports/8080/"]) {
      const response = await fetch(`${portal.url}/workspace/${slug}/${suffix}`, { headers: { cookie }, redirect: "manual" });
      expect(response.status, suffix).toBe(403);
    }
    expect(await upgradeStatus(`${portal.url}/workspace/${slug}/code/`, { cookie, origin: portal.url })).toBe(403);
    await bob.close();
  });

  it("accepts the owner's WebSocket only from the portal's own pages", async () => {
    expect(await upgradeStatus(`${portal.url}/workspace/${slug}/code/`, { cookie: aliceCookie, origin: "https://evil.example" })).toBe(403);
    expect(await upgradeStatus(`${portal.url}/workspace/${slug}/code/`, { cookie: aliceCookie, origin: portal.url })).not.toBe(403);
  });

  it("never lets a portal cookie reach the workspace, nor lets the workspace set one", async () => {
    await spawnInWorkspace(portal, "alice", ["python3", "-c", ECHO_SERVER, "8765"]);
    const url = `${portal.url}/workspace/${slug}/ports/8765/some/path?x=1`;
    await expect.poll(async () => (await fetch(url, { headers: { cookie: aliceCookie } })).status, { timeout: 20_000 }).toBe(200);
    const response = await fetch(url, { headers: { cookie: `${aliceCookie}; theme=dark` } });
    const seen = (await response.json()) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe("/some/path?x=1");
    expect(seen.headers.Cookie ?? seen.headers.cookie).toBe("theme=dark");
    expect(JSON.stringify(seen.headers)).not.toMatch(/next-auth|portal-idp/);
    expect(seen.headers["X-Forwarded-Host"] ?? seen.headers["x-forwarded-host"]).toBe(new URL(portal.url).host);
    const setCookies = response.headers.getSetCookie();
    expect(setCookies.some((c) => c.startsWith("echo-app=1"))).toBe(true);
    expect(setCookies.some((c) => c.includes("next-auth"))).toBe(false);
  });

  it("previews a server the user starts, and lists its port", async () => {
    await spawnInWorkspace(portal, "alice", ["bash", "-c", "mkdir -p ~/site && echo '<h1>preview works</h1>' > ~/site/index.html && cd ~/site && exec python3 -m http.server 8000"]);
    const preview = await alice.newPage();
    await expect
      .poll(async () => {
        await preview.goto(`${portal.url}/workspace/${slug}/ports/8000/`);
        return preview.locator("h1").textContent().catch(() => null);
      }, { timeout: 20_000 })
      .toBe("preview works");
    await preview.close();
    await page.getByTestId("view-ports").click();
    await page.getByTestId("port-item").filter({ hasText: "8000" }).waitFor({ timeout: 15_000 });
  });

  it("answers a port nobody listens on with a friendly 502 page and a retry", async () => {
    const dead = await alice.newPage();
    const response = await dead.goto(`${portal.url}/workspace/${slug}/ports/8999/`);
    expect(response?.status()).toBe(502);
    await expect(dead.locator("body").textContent()).resolves.toContain("Nothing is listening on port 8999");
    await dead.getByRole("button", { name: "Retry" }).waitFor();
    await dead.close();
  });
});
