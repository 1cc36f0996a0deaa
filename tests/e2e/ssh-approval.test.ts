import { execFileSync } from "node:child_process";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { SshClient } from "../support/ssh-client";

describe("SSH login approved in the browser", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let client: SshClient;
  const session = `ssh-approve-${process.pid}`;
  const screen = () => execFileSync("tmux", ["capture-pane", "-p", "-J", "-t", session], { encoding: "utf8" });

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
    client = new SshClient(portal.sshPort);
  });
  afterAll(async () => {
    try {
      execFileSync("tmux", ["kill-session", "-t", session], { stdio: "ignore" });
    } catch {
      // already gone
    }
    client?.cleanup();
    await browser?.close();
    await portal?.cleanup();
  });

  it("shows a link in the terminal; approving it on the portal lets the waiting ssh in", async () => {
    // alice has signed in to the portal before (that is how the gateway knows her), but has no SSH key.
    const page = await (await browser.newContext()).newPage();
    await signIn(page, portal.url, "alice", "alice");

    const ssh = ["ssh", "-t", ...client.options(undefined, false, "INFO"), "-p", String(portal.sshPort), "alice@127.0.0.1"];
    execFileSync("tmux", ["new-session", "-d", "-s", session, "-x", "160", "-y", "40", ssh.join(" ")]);
    await expect.poll(screen, { timeout: 20_000 }).toMatch(/\/ssh\/approve\/[\w-]+/);
    const text = screen();
    const link = text.match(/http:\/\/[^\s]+\/ssh\/approve\/[\w-]+/)![0];
    const code = text.match(/code ([A-Z2-9]{4}-[A-Z2-9]{4})/)![1];

    await page.goto(link);
    await expect(page.getByTestId("approval-code").textContent()).resolves.toBe(code);
    await page.getByTestId("approve-ssh").click();
    await page.getByTestId("approval-outcome").waitFor();

    await expect.poll(screen, { timeout: 60_000 }).toMatch(/\$ *$/m);
    execFileSync("tmux", ["send-keys", "-t", session, "echo approved-$((40+2))", "Enter"]);
    await expect.poll(screen, { timeout: 10_000 }).toContain("approved-42");

    // The link is single use.
    await page.goto(link);
    await page.getByTestId("approval-missing").waitFor();
  });

  it("does not let another user approve alice's login", async () => {
    const name = `${session}-b`;
    const ssh = ["ssh", ...client.options(undefined, false, "INFO"), "-p", String(portal.sshPort), "alice@127.0.0.1", "true"];
    execFileSync("tmux", ["new-session", "-d", "-s", name, "-x", "160", "-y", "40", ssh.join(" ")]);
    try {
      const shown = () => execFileSync("tmux", ["capture-pane", "-p", "-J", "-t", name], { encoding: "utf8" });
      await expect.poll(shown, { timeout: 20_000 }).toMatch(/\/ssh\/approve\/[\w-]+/);
      const link = shown().match(/http:\/\/[^\s]+\/ssh\/approve\/[\w-]+/)![0];
      const bob = await (await browser.newContext()).newPage();
      await signIn(bob, portal.url, "bob", "bob");
      await bob.goto(link);
      await bob.getByTestId("approval-missing").waitFor();
      const id = link.split("/").pop()!;
      const cookie = (await bob.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      const forced = await fetch(`${portal.url}/api/ssh/approvals/${id}`, {
        method: "POST",
        headers: { cookie, origin: portal.url, "content-type": "application/json" },
        body: JSON.stringify({ approve: true }),
      });
      expect(forced.status).toBe(404);
    } finally {
      execFileSync("tmux", ["kill-session", "-t", name]);
    }
  });
});
