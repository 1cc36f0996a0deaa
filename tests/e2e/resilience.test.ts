import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

describe("a portal killed hard and started again", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await signIn(page, portal.url, "alice", "alice");
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  async function inWorkspace(script: string): Promise<string> {
    const [c] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.username}=alice`] } });
    const exec = await portal.docker.getContainer(c!.Id).exec({ Cmd: ["sh", "-c", script], AttachStdout: true, User: "user" });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on("data", (b: Buffer) => chunks.push(b));
    await new Promise((r) => stream.on("end", r));
    return Buffer.concat(chunks).toString("latin1");
  }

  it("keeps the workspace and its files, ends the unreachable shell, and says so in the page", async () => {
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    await typeLine(page, "echo precious > ~/kept.txt; sleep 9191 & echo ready");
    await waitForText(page, /^ready$/m);
    expect(await inWorkspace("ps -o args")).toContain("sleep 9191");

    await portal.stop("SIGKILL");
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    expect(container?.State).toBe("running"); // the workspace never noticed

    await portal.restart();
    expect(await inWorkspace("ps -o args")).not.toContain("sleep 9191"); // nothing left running unseen
    expect(await inWorkspace("cat ~/kept.txt")).toContain("precious");

    // The page's socket reconnects to the new process, which tells it the old shell is gone. (In development
    // mode Next.js may instead reload the page when its server comes back; then the page simply opens a new
    // terminal, as it does on any visit.)
    await expect
      .poll(async () => (await page.getByText(/has ended/).count()) > 0 || !(await page.locator(".xterm-rows").allInnerTexts()).join("").includes("9191"), {
        timeout: 60_000,
      })
      .toBe(true)
      .catch(async (error: unknown) => {
        console.log(await page.locator("body").innerText(), portal.logs().slice(-3000));
        throw error;
      });
    await page.getByTestId("terminal-new").click();
    await waitForPrompt(page);
    await typeLine(page, "cat ~/kept.txt");
    await waitForText(page, /^precious$/m);
  });
});
