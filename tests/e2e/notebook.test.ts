import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFetch, exchange, openApp, ticketFor } from "../support/app-client";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { upgradeStatus } from "../support/upgrade";
import { execInWorkspace } from "../support/workspace-exec";

const NOTEBOOK = {
  cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ["1 + 1"] }],
  metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
};

describe("Jupyter Notebook on its own origin: its owner's alone, and no reason to stay up by itself", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let aliceCookie: string;
  let nbOrigin: string;

  const idleStopAt = async (): Promise<string> => {
    const view = (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie: aliceCookie } })).json()) as { idleStopAt?: string };
    return view.idleStopAt!;
  };

  beforeAll(async () => {
    // Half an hour: nothing is stopped during the test, and any use shows as the stop moving later. CPU never
    // counts here, so a kernel's start-up cannot move it either: only the doors do.
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", WORKSPACE_IDLE_TIMEOUT_SECONDS: "1800", WORKSPACE_IDLE_CPU_PERCENT: "0" });
    browser = await launchBrowser();
    alice = await browser.newContext({ viewport: { width: 1300, height: 850 } });
    page = await alice.newPage();
    await signIn(page, portal.url, "alice", "alice");
    aliceCookie = await sessionCookieHeader(page);
    const opened = alice.waitForEvent("page");
    await page.getByTestId("open-notebook").click();
    const tree = await opened;
    const slug = ((await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie: aliceCookie } })).json()) as { name: string }).name;
    nbOrigin = `http://nb--${slug}.localhost:${portal.port}`;
    await tree.waitForURL(new RegExp(`^${nbOrigin.replace(/\./g, "\\.")}/tree`), { timeout: 120_000 });
    await tree.close();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("keeps bob out of alice's notebook, in the browser and with his own tickets and cookies", async () => {
    const bob = await browser.newContext();
    const bobPage = await bob.newPage();
    await signIn(bobPage, portal.url, "bob", "bob");
    await bobPage.goto(`${nbOrigin}/tree`);
    await bobPage.getByTestId("not-your-workspace").waitFor();
    expect(new URL(bobPage.url()).origin).toBe(portal.url);

    const bobCookie = await sessionCookieHeader(bobPage);
    // bob's own notebook cookie is for his own host; on alice's it is nothing, for pages, the API and kernels.
    const bobsNotebook = await openApp(portal.url, bobCookie, "nb");
    expect(bobsNotebook.origin).not.toBe(nbOrigin);
    expect((await appFetch(`${nbOrigin}/api/contents`, { headers: { cookie: bobsNotebook.cookie } })).status).toBe(401);
    expect(await upgradeStatus(`${nbOrigin}/api/kernels/00000000-0000-0000-0000-000000000000/channels`, { cookie: bobsNotebook.cookie, origin: nbOrigin })).toBe(401);
    // His ticket, carried to alice's host, is refused and sets nothing.
    const bobTicket = new URL(await ticketFor(portal.url, bobCookie, "nb"));
    const onAlices = await exchange(`${nbOrigin}${bobTicket.pathname}${bobTicket.search}`);
    expect(onAlices.status).toBe(403);
    expect(onAlices.headers.getSetCookie()).toEqual([]);
    await bob.close();

    // The same requests with alice's own cookie are answered: what refused bob was whose he is.
    const hers = await openApp(portal.url, aliceCookie, "nb");
    expect(hers.origin).toBe(nbOrigin);
    expect((await appFetch(`${nbOrigin}/api/contents`, { headers: { cookie: hers.cookie } })).status).toBe(200);
  });

  it("lets open but untouched notebook tabs poll without moving the idle stop", async () => {
    await execInWorkspace(portal, "alice", `cat > /home/user/idle.ipynb <<'EOF'\n${JSON.stringify(NOTEBOOK)}\nEOF`);
    const tree = await alice.newPage();
    await tree.goto(`${portal.url}/open/nb`);
    await tree.waitForURL(new RegExp(`^${nbOrigin.replace(/\./g, "\\.")}/tree`), { timeout: 120_000 });
    await tree.getByText("idle.ipynb").waitFor({ timeout: 30_000 });
    const notebook = await alice.newPage();
    await notebook.goto(`${nbOrigin}/notebooks/idle.ipynb`);
    await notebook.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 90_000 });
    await tree.waitForLoadState("networkidle");
    await notebook.waitForLoadState("networkidle");

    // From here on nobody touches either tab: whatever they send is the pages' own doing.
    const sent: string[] = [];
    const record = (request: Request) => sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
    tree.on("request", record);
    notebook.on("request", record);
    for (const tab of [tree, notebook]) {
      tab.on("websocket", (ws) => ws.on("framesent", (frame) => sent.push(`ws ${frame.payload.length} bytes`)));
    }
    const before = await idleStopAt();
    // The tree polls its running sessions and the listing by itself; wait for one such poll to be answered.
    const isApi = (url: string) => new URL(url).pathname.startsWith("/api/");
    await Promise.race([
      tree.waitForResponse((r) => isApi(r.url()), { timeout: 150_000 }),
      notebook.waitForResponse((r) => isApi(r.url()), { timeout: 150_000 }),
    ]);
    expect(sent.some((s) => s.startsWith("GET /api/")), sent.join("\n")).toBe(true);
    expect(await idleStopAt(), `the untouched tabs sent:\n${sent.join("\n")}`).toBe(before);
    await tree.close();
    await notebook.close();
  });

  it("counts running a cell as use", async () => {
    const notebook = await alice.newPage();
    await notebook.goto(`${nbOrigin}/notebooks/idle.ipynb`);
    await notebook.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 90_000 });
    await notebook.waitForLoadState("networkidle");
    const before = await idleStopAt();
    // Typed and run as a user does: the kernel hears it, and the notebook saves itself (dirty) soon after.
    await notebook.locator(".cell .CodeMirror").first().click();
    await notebook.keyboard.type("  # run by hand");
    await notebook.keyboard.press("Shift+Enter");
    await expect.poll(idleStopAt, { timeout: 180_000, interval: 2_000 }).not.toBe(before);
    await notebook.close();
  });
});
