import type { Browser, Page } from "playwright-core";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { launchBrowser, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { execInWorkspace } from "../support/workspace-exec";
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

  const inWorkspace = (script: string) => execInWorkspace(portal, "alice", script);


  it("keeps the workspace and its files, ends the unreachable shell, and says the terminal ended with the portal", async () => {
    await page.goto(`${portal.url}/workspace`);
    await waitForPrompt(page);
    await typeLine(page, "echo precious > ~/kept.txt; sleep 9191 & echo ready");
    await waitForText(page, /^ready$/m);
    const [{ id: oldTerminal }] = (await (await page.request.get(`${portal.url}/api/terminals`)).json()).terminals;
    expect(await inWorkspace("ps -o args")).toContain("sleep 9191");

    await portal.stop("SIGKILL");
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    expect(container?.State).toBe("running"); // the workspace never noticed

    await portal.restart();
    expect(await inWorkspace("ps -o args")).not.toContain("sleep 9191"); // nothing left running unseen
    expect(await inWorkspace("cat ~/kept.txt")).toContain("precious");

    // The old terminal's id now finds nothing, and the new process says why.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const socket = io(portal.url, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { cookie, origin: portal.url },
      auth: { terminalId: oldTerminal, cols: 80, rows: 24 },
      reconnection: false,
    });
    const fatal = await new Promise<{ code: string; message: string }>((resolve, reject) => {
      socket.on("fatal", resolve);
      socket.on("connect_error", reject);
    });
    socket.close();
    expect(fatal.code).toBe("gone");
    expect(fatal.message).toMatch(/portal restarted/);

    // A person whose page kept trying reloads it and carries on in a new terminal with their files.
    await page.reload();
    await waitForPrompt(page);
    await typeLine(page, "cat ~/kept.txt");
    await waitForText(page, /^precious$/m);
  });
});
