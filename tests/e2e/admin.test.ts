import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { startPortal, type PortalProcess } from "../support/portal-process";

describe("the admin page", () => {
  let portal: PortalProcess;
  let browser: Browser;
  let alice: Page;
  let admin: Page;

  beforeAll(async () => {
    portal = await startPortal();
    browser = await launchBrowser();
    alice = await (await browser.newContext()).newPage();
    await signIn(alice, portal.url, "alice", "alice");
    admin = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await signIn(admin, portal.url, "admin", "admin");
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
  });

  it("is refused to a user who is not an admin, page and API alike", async () => {
    await alice.goto(`${portal.url}/admin`);
    await alice.getByTestId("admin-forbidden").waitFor();
    const cookie = await sessionCookieHeader(alice);
    expect((await fetch(`${portal.url}/api/admin/workspaces`, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${portal.url}/api/admin/audit`, { headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${portal.url}/metrics`, { headers: { cookie } })).status).toBe(403);
  });

  it("shows every workspace live with its usage, and stops one with the reason shown to its owner", async () => {
    await alice.goto(`${portal.url}/`);
    await alice.getByTestId("open-workspace").click();
    await alice.waitForURL(`${portal.url}/workspace`);
    await alice.locator('[data-testid="workspace-state"][data-state="running"]').waitFor();

    await admin.goto(`${portal.url}/admin`);
    const row = admin.locator('[data-testid="admin-row"][data-user="alice"]');
    await row.waitFor();
    await expect.poll(async () => row.textContent(), { timeout: 20_000 }).toMatch(/running.*%.*MiB/s);
    // The single-host backend holds all three limits beyond memory and CPU, and says so.
    const limits = admin.getByTestId("enforcement-line");
    expect(await limits.evaluateAll((lines) => lines.map((l) => `${l.getAttribute("data-limit")}=${l.getAttribute("data-enforced")}`))).toEqual([
      "pidsLimit=true",
      "swapLimit=true",
      "noNewPrivileges=true",
    ]);
    expect(await admin.getByTestId("enforcement").textContent()).toContain("Swap limit:enforced: a workspace cannot swap beyond its memory limit");
    // The test's data directory holds homes and portal.db on one file system with no quota: the admin is told.
    expect(await admin.getByTestId("admin-disk").textContent()).toMatch(/with portal\.db and no quota stops them/);

    await row.getByTestId("admin-stop").click();
    await expect.poll(async () => row.textContent(), { timeout: 20_000 }).toContain("stopped");
    await alice.goto(`${portal.url}/`);
    await expect(alice.getByTestId("stop-explanation").textContent()).resolves.toContain("An administrator stopped it");
  });

  it("flags a container with this portal's labels whose owner nobody knows", async () => {
    const ghost = await portal.docker.createContainer({
      name: `${portal.instance}-ghost-aaaaaaaa`,
      Image: "scitex-portal/workspace-test:latest",
      Labels: {
        [LABEL.managed]: "true",
        [LABEL.instance]: portal.instance,
        [LABEL.ownerSub]: "sub-nobody-knows",
        [LABEL.username]: "ghost",
        [LABEL.slug]: "ghost-aaaaaaaa",
      },
    });
    try {
      const row = admin.locator('[data-testid="admin-row"][data-user="ghost"]');
      await row.waitFor({ timeout: 20_000 });
      expect(await row.textContent()).toContain("unknown owner");
    } finally {
      await ghost.remove({ force: true });
    }
  });

  it("keeps an audit log an admin can filter", async () => {
    await admin.getByTestId("audit-user").fill("alice");
    await admin.getByTestId("audit-action").selectOption("admin.action");
    await expect.poll(async () => admin.getByTestId("audit-row").count(), { timeout: 15_000 }).toBe(1);
    expect(await admin.getByTestId("audit-row").first().textContent()).toContain("admin");
    await admin.getByTestId("audit-action").selectOption("sign-in");
    await expect.poll(async () => admin.getByTestId("audit-row").count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  });

  it("lets metrics be read with an admin session", async () => {
    const cookie = await sessionCookieHeader(admin);
    const response = await fetch(`${portal.url}/metrics`, { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/scitex_workspace_stops_total\{cause="admin"\} 1/);
  });
});
