import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/backend/labels";
import { instanceTag } from "../../lib/apps/vscode-moves";
import { launchBrowser, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { remakeBehindPortal } from "../support/remake-workspace";
import { waitForPrompt } from "../support/terminal-page";
import { execInWorkspace } from "../support/workspace-exec";

const ENV = { WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g" };

describe("VS Code whose workspace is made anew under it, in a real browser", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let codeOrigin: string;

  beforeAll(async () => {
    portal = await startPortal(ENV);
    browser = await launchBrowser();
    alice = await browser.newContext({ viewport: { width: 1300, height: 850 } });
    page = await alice.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    const slug = (await (await page.request.get(`${portal.url}/api/workspace`)).json()).name as string;
    codeOrigin = `http://code--${slug}.localhost:${portal.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("reloads by itself into the new container, on its own origin, and works there", async () => {
    await page.getByTestId("view-code").click();
    const opened = alice.waitForEvent("page");
    await page.getByTestId("open-vscode").click();
    const vscode = await opened;
    await vscode.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    expect(new URL(vscode.url()).origin).toBe(codeOrigin);
    // The proxy gave the workbench its watcher, told the instance the page came from.
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    const watcher = await vscode.locator('script[src^="/_scitex/vscode-moves.js"]').getAttribute("src");
    expect(new URL(watcher!, codeOrigin).searchParams.get("i")).toBe(instanceTag(container!.Id));
    // A mark on this page: gone once the window reloads.
    await vscode.evaluate(() => ((window as unknown as { beforeMove: boolean }).beforeMove = true));

    const oldId = await remakeBehindPortal(portal, container!.Labels[LABEL.ownerSub]!, ENV);
    const moved = Date.now();
    try {
      const [remade] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
      expect(remade!.Id).not.toBe(oldId);
      await execInWorkspace(portal, "alice", "echo after > ~/made-after-the-move.txt");

      // Nobody touches the page: it reloads, VS Code starts in the new container, and the workbench comes back.
      await expect
        .poll(async () => vscode.evaluate(() => (window as unknown as { beforeMove?: boolean }).beforeMove === true).catch(() => true), { timeout: 180_000, interval: 500 })
        .toBe(false);
      await vscode.waitForURL((url) => url.origin === codeOrigin, { timeout: 180_000 });
      await vscode.locator(".monaco-workbench").waitFor({ timeout: 180_000 });
      await vscode.locator(".explorer-folders-view .monaco-list-row", { hasText: "made-after-the-move.txt" }).waitFor({ timeout: 120_000 });
      const back = Date.now() - moved;
      expect(new URL(vscode.url()).origin).toBe(codeOrigin);
      const now = await vscode.locator('script[src^="/_scitex/vscode-moves.js"]').getAttribute("src");
      expect(new URL(now!, codeOrigin).searchParams.get("i")).toBe(instanceTag(remade!.Id));
      expect(await vscode.getByText("Cannot reconnect").count()).toBe(0);
      console.log(`[vscode-moved] VS Code back in the new container ${(back / 1000).toFixed(1)} s after the old one stopped`);
    } finally {
      await portal.docker.getContainer(oldId).remove({ force: true }).catch(() => undefined);
    }
  });
});
