import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/backend/labels";
import { launchBrowser, signIn } from "../support/browser";
import { TEST_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { remakeBehindPortal } from "../support/remake-workspace";
import { typeLine, waitForText } from "../support/terminal-page";

describe("a web terminal whose workspace is made anew under it, in a real browser", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    portal = await startPortal({});
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await signIn(page, portal.url, "alice", "alice");
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("says so in the terminal, keeps the old screen above, and opens a new terminal there by itself", async () => {
    await page.goto(`${portal.url}/workspace`);
    const connected = page.locator('[data-testid="terminal-pane"][data-state="connected"]:not([hidden])');
    await connected.waitFor({ timeout: 60_000 });
    await typeLine(page, "echo before-$((40+2))");
    await waitForText(page, "before-42");
    const tabs = await page.getByTestId("terminal-tab").count();

    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    const oldId = await remakeBehindPortal(portal, container!.Labels[LABEL.ownerSub]!, { WORKSPACE_IMAGE: TEST_IMAGE });

    await waitForText(page, "Your workspace was restarted in a new container; this terminal's shell ended with the old one. Opening a new terminal…", 60_000);
    await connected.waitFor({ timeout: 60_000 });
    // The old shell's output stays above the news; the new shell runs in the new container.
    await waitForText(page, "before-42");
    await typeLine(page, "echo after-$((6*7))");
    await waitForText(page, "after-42");
    expect(await page.getByTestId("terminal-tab").count()).toBe(tabs);
    await portal.docker.getContainer(oldId).remove({ force: true }).catch(() => undefined);
  });
});
