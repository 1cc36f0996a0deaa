import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { waitForPrompt } from "../support/terminal-page";
import { execInWorkspace } from "../support/workspace-exec";

describe("the workspace bar tells a user whose home is full, in a real browser", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let page: Page;
  const quotaDir = fs.mkdtempSync(path.join(os.tmpdir(), "disk-alert-e2e-"));

  beforeAll(async () => {
    // A hard limit far below what the test writes; homes measured every second instead of every ten minutes.
    const quotas = path.join(quotaDir, "quotas.json");
    fs.writeFileSync(quotas, JSON.stringify({ default: { diskSoft: "2m", diskHard: "4m" } }));
    portal = await startPortal({ QUOTAS_FILE: quotas, DISK_SCAN_SECONDS: "1" });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await signIn(page, portal.url, "alice", "alice");
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
    fs.rmSync(quotaDir, { recursive: true, force: true });
  });

  it("turns the home figure into an alert past the hard limit, shown on a phone too, and back once files go", async () => {
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    await expect.poll(() => page.getByTestId("usage-disk").textContent(), { timeout: 20_000 }).toMatch(/^Home [\d.]+ [KM]iB of 4 MiB$/);

    await execInWorkspace(portal, "alice", "head -c 5242880 /dev/zero > /home/user/big.bin");
    const alert = page.getByRole("alert").filter({ hasText: "Your home is full" });
    await expect
      .poll(() => alert.textContent().catch(() => null), { timeout: 30_000 })
      .toMatch(/^Your home is full \(5(\.\d)? MiB of 4 MiB\): delete files to continue\. Until you do, your workspace cannot start again once it stops\.$/);
    expect(await page.getByTestId("usage-disk").count()).toBe(0);
    // At 390 px the meter gives way; the alert stays.
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await alert.isVisible()).toBe(true);
    expect(await page.getByTestId("usage-meter").isVisible()).toBe(false);

    await execInWorkspace(portal, "alice", "rm /home/user/big.bin");
    await expect.poll(() => page.getByTestId("disk-alert").count(), { timeout: 30_000 }).toBe(0);
  });
});
