import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { addSshKey } from "../support/portal-api";
import { SshClient } from "../support/ssh-client";
import { waitForPrompt } from "../support/terminal-page";

const SECRET = "idle-test-secret-idle-test-secret-0123";
const IDLE_SECONDS = 15;

describe("idle stop through the real doors", () => {
  let portal: PortalProcess;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", AUTH_SECRET: SECRET, WORKSPACE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  async function view(cookie: string) {
    return (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json()) as { state: string; stopCause?: string; idleStopAt?: string };
  }

  it("keeps a workspace running while an SSH session has traffic, then stops it when idle and says why", async () => {
    const user = { sub: "idle-ssh-user", username: "sshuser" };
    const cookie = await sessionCookie(SECRET, user);
    const client = new SshClient(portal.sshPort);
    try {
      const key = client.newKey("k");
      await addSshKey(portal.url, cookie, client.publicKey(key));
      const busy = await client.ssh("sshuser", key, [`for i in $(seq ${IDLE_SECONDS * 2}); do echo tick; sleep 1; done`], undefined, 120_000);
      expect(busy.code).toBe(0);
      expect(busy.stdout.split("\n").filter((l) => l === "tick")).toHaveLength(IDLE_SECONDS * 2);
      expect((await view(cookie)).state).toBe("running");
      expect(Date.parse((await view(cookie)).idleStopAt!)).toBeGreaterThan(Date.now());
      await expect.poll(async () => (await view(cookie)).state, { timeout: (IDLE_SECONDS + 40) * 1000, interval: 1000 }).toBe("stopped");
      expect((await view(cookie)).stopCause).toBe("idle");
      // A new SSH login starts it again.
      expect((await client.ssh("sshuser", key, ["echo back"])).stdout).toBe("back\n");
    } finally {
      client.cleanup();
    }
  });

  it("keeps a workspace whose silent job keeps a CPU busy, and says afterwards what the stop ended", async () => {
    const user = { sub: "idle-cpu-user", username: "cpuuser" };
    const cookie = await sessionCookie(SECRET, user);
    const client = new SshClient(portal.sshPort);
    try {
      const key = client.newKey("k");
      await addSshKey(portal.url, cookie, client.publicKey(key));
      // Detached and silent: no door sees it, only its CPU use.
      const started = await client.ssh("cpuuser", key, ["setsid sh -c 'echo $$ > /tmp/job.pid; while :; do :; done' >/dev/null 2>&1 < /dev/null & echo started"]);
      expect(started.stdout).toBe("started\n");
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 3 * 1000));
      expect((await view(cookie)).state).toBe("running");

      expect((await client.ssh("cpuuser", key, ["kill $(cat /tmp/job.pid); setsid sleep 86400 >/dev/null 2>&1 < /dev/null & echo ended"])).stdout).toBe("ended\n");
      await expect.poll(async () => (await view(cookie)).state, { timeout: (IDLE_SECONDS + 60) * 1000, interval: 1000 }).toBe("stopped");
      const page = await (await browser.newContext()).newPage();
      const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
      await page.context().addCookies([{ name, value, url: portal.url }]);
      await page.goto(`${portal.url}/`);
      expect(await page.getByTestId("stop-explanation").textContent()).toMatch(/stopped at \d{1,2}:\d\d( [AP]M)? after (less than a minute|\d+ min) without use; 1 process ended/);
      await page.context().close();
    } finally {
      client.cleanup();
    }
  });

  it("warns in the last minutes, and +1 h moves the stop", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await signIn(page, portal.url, "bob", "bob");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    // The idle stop here is seconds away: the warning shows at once.
    const warning = page.getByTestId("idle-warning");
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/stops at \d\d:\d\d .*unless you use it/);
    const before = Date.parse((await page.getByTestId("idle-countdown").locator("time").getAttribute("datetime"))!);
    await page.getByTestId("idle-warning-extend").click();
    await expect.poll(async () => Date.parse((await page.getByTestId("idle-countdown").locator("time").getAttribute("datetime"))!)).toBeGreaterThan(before + 59 * 60_000);
    await expect.poll(() => warning.count()).toBe(0);
    // Still running well past the timeout it would have had.
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 2 * 1000));
    await expect(page.getByTestId("workspace-state").getAttribute("data-state")).resolves.toBe("running");
    await page.context().close();
  });

  it("lets an open but untouched VS Code tab be stopped", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await signIn(page, portal.url, "alice", "alice");
    const cookie = (await page.context().cookies(portal.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const vscode = await page.context().newPage();
    await vscode.goto(`${portal.url}/open/code`);
    await vscode.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    await expect.poll(async () => (await view(cookie)).state, { timeout: (IDLE_SECONDS + 90) * 1000, interval: 2000 }).toBe("stopped");
    expect((await view(cookie)).stopCause).toBe("idle");
    // The dashboard says why (the workspace page itself would start it again, as a visit means wanting it).
    await page.goto(`${portal.url}/`);
    await page.getByTestId("stop-explanation").waitFor();
    expect(await page.getByTestId("stop-explanation").textContent()).toContain("without use");
  });

  it("tells an open terminal tab why it ended, and starts the workspace again from there", async () => {
    const cookie = await sessionCookie(SECRET, { sub: "idle-web-user", username: "webuser" });
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
    await context.addCookies([{ name, value, url: portal.url }]);
    const page = await context.newPage();
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    // Nobody touches it: the idle stop ends the terminal, and where it was the page says why and what to do.
    const stopped = page.getByTestId("terminal-stopped");
    await stopped.waitFor({ timeout: (IDLE_SECONDS + 60) * 1000 });
    expect(await stopped.textContent()).toMatch(
      /^The workspace was stopped after (less than a minute|\d+ minutes?) without use(; \d+ process(es)? ended)?\. Start it again to continue\.$/,
    );
    await expect.poll(async () => (await view(cookie)).stopCause, { timeout: 30_000, interval: 500 }).toBe("idle");
    await page.getByTestId("terminal-open").click();
    await waitForPrompt(page);
    expect(await stopped.count()).toBe(0);
    await context.close();
  });
});
