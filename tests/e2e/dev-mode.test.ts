import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

// Every other test serves built pages, as a deployment does; `npm run up` runs Next.js in development mode.
describe("the README's `npm run up` mode: Next.js in development mode, pages compiled on demand", () => {
  let portal: PortalProcess;
  let browser: Browser;

  beforeAll(async () => {
    // A build directory of its own: Next allows one development server per directory.
    portal = await startPortal({ NODE_ENV: "development", PORTAL_NEXT_DIST_DIR: ".next-dev-test" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("signs in with a demo account and opens a working terminal", async () => {
    const page = await browser.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`, { timeout: 120_000 });
    await waitForPrompt(page);
    await typeLine(page, "echo dev-mode-$((6*7))");
    await waitForText(page, /dev-mode-42/);
  });
});
