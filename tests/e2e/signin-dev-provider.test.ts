import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";

describe("the README's run path: the embedded development identity provider", () => {
  let portal: PortalProcess;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("says the development provider is in use", async () => {
    const page = await browser.newPage();
    await page.goto(`${portal.url}/signin`);
    await page.getByTestId("dev-provider-notice").waitFor();
    await page.close();
  });

  it("refuses a wrong password on its own login form", async () => {
    const page = await browser.newPage();
    await page.goto(`${portal.url}/signin`);
    await page.getByRole("button", { name: /^Sign in with/ }).click();
    await page.locator('input[name="username"]').fill("alice");
    await page.locator('input[name="password"]').fill("wrong");
    await page.locator('button[type="submit"]').click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong username or password");
    await page.close();
  });

  it("signs a demo user in and opens the workspace through the same OIDC code path", async () => {
    const page = await browser.newPage();
    await signIn(page, portal.url, "alice", "alice");
    await expect(page.getByTestId("signed-in-user").textContent()).resolves.toContain("Alice Archer");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    await page.locator(`[data-testid="workspace-state"][data-state="running"]`).waitFor();
    expect(await page.getByTestId("workspace-state").getAttribute("data-state")).toBe("running");
  });
});
