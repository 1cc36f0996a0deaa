import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";

const USERS = [
  { username: "alice", password: "alice-pw-1", firstName: "Alice", lastName: "Archer", email: "alice@lab.example" },
  { username: "bob", password: "bob-pw-2", email: "bob@lab.example" },
  { username: "Dr.Eve_O'Neil+test", password: "eve-pw-3", firstName: "Eve", lastName: "O'Neil", email: "eve@lab.example" },
];

describe("sign-in through the Django site's OpenID Connect provider", () => {
  let idp: DjangoIdp;
  let portal: PortalProcess;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startDjangoIdp({
      users: USERS,
      clientId: "scitex-portal",
      clientSecret: "s3cret with spaces & symbols/+",
      redirectUris: [`http://127.0.0.1:${port}/api/auth/callback/oidc`],
    });
    portal = await startPortal(
      {
        // Configured as a deployment is: the production path (`npm run build && npm start`) under test.
        NODE_ENV: "production",
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: "scitex-portal",
        OIDC_CLIENT_SECRET: "s3cret with spaces & symbols/+",
        AUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-0123",
        ADMIN_USERNAMES: "bob",
      },
      port,
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.cleanup();
    await idp?.stop();
  });

  async function containerOf(sub: string) {
    const list = await portal.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.instance}=${portal.instance}`] },
    });
    return list.filter((c) => c.Labels[LABEL.ownerSub] === sub);
  }

  it("sends a visitor without a session to the sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${portal.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/signin");
    await expect(page.getByRole("button", { name: "Sign in with SciTeX Cloud" }).isVisible()).resolves.toBe(true);
    expect(await page.getByTestId("dev-provider-notice").count()).toBe(0);
    await page.close();
  });

  it("signs alice in through the Django login form and opens her workspace", async () => {
    const page = await browser.newPage();
    await signIn(page, portal.url, "alice", "alice-pw-1");
    await expect(page.getByTestId("signed-in-user").textContent()).resolves.toContain("Alice Archer");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    await page.locator(`[data-testid="workspace-state"][data-state="running"]`).waitFor();
    expect(await page.getByTestId("workspace-state").getAttribute("data-state")).toBe("running");

    const containers = await containerOf(await idp.userSub("alice"));
    expect(containers).toHaveLength(1);
    expect(containers[0]!.State).toBe("running");
    expect(containers[0]!.Labels[LABEL.username]).toBe("alice");
    await page.context().close();
  });

  it("gives bob his own container", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, "bob", "bob-pw-2");
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${portal.url}/workspace`);
    await page.locator(`[data-testid="workspace-state"][data-state="running"]`).waitFor();
    const [bobs] = await containerOf(await idp.userSub("bob"));
    const [alices] = await containerOf(await idp.userSub("alice"));
    expect(bobs!.Id).not.toBe(alices!.Id);
    await context.close();
  });

  it("works end to end for a username with unusual characters", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, "Dr.Eve_O'Neil+test", "eve-pw-3");
    await expect(page.getByTestId("signed-in-user").textContent()).resolves.toContain("(Dr.Eve_O'Neil+test)");
    await page.getByTestId("open-workspace").click();
    await page.locator(`[data-testid="workspace-state"][data-state="running"]`).waitFor();
    const [eves] = await containerOf(await idp.userSub("Dr.Eve_O'Neil+test"));
    expect(eves!.Labels[LABEL.username]).toBe("Dr.Eve_O'Neil+test");
    expect(eves!.Names[0]).toMatch(new RegExp(`^/${portal.instance}-dr-eve-o-neil-test-[a-z2-9]{8}$`));
    await context.close();
  });

  it("lets a session act only on its own workspace, and only from the portal's pages", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, "alice", "alice-pw-1");
    const cookie = await sessionCookieHeader(page);
    const origin = portal.url;

    const mine = await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json();
    expect(mine.username).toBe("alice");

    // Cross-site POST (another site's page using alice's cookie) is refused and stops nothing.
    const forged = await fetch(`${portal.url}/api/workspace/stop`, { method: "POST", headers: { cookie, origin: "https://evil.example" } });
    expect(forged.status).toBe(403);
    // No session, or a tampered one, cannot act at all.
    expect((await fetch(`${portal.url}/api/workspace/stop`, { method: "POST", headers: { origin } })).status).toBe(401);
    const tampered = cookie.replace(/(next-auth\.session-token=)([^;]{10})/, "$1AAAAAAAAAA");
    expect((await fetch(`${portal.url}/api/workspace`, { headers: { cookie: tampered } })).status).toBe(401);

    // Alice stopping "the workspace" stops hers; bob's keeps running. There is no way to name someone else's.
    const stopped = await fetch(`${portal.url}/api/workspace/stop?user=bob`, {
      method: "POST",
      headers: { cookie, origin, "content-type": "application/json" },
      body: JSON.stringify({ username: "bob", sub: await idp.userSub("bob") }),
    });
    expect(stopped.status).toBe(200);
    expect((await stopped.json()).username).toBe("alice");
    const [bobs] = await containerOf(await idp.userSub("bob"));
    const [alices] = await containerOf(await idp.userSub("alice"));
    expect(bobs!.State).toBe("running");
    expect(alices!.State).toBe("exited");
    await context.close();
  });

  it("signs out", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, "bob", "bob-pw-2");
    await expect(page.locator(".badge", { hasText: "admin" }).count()).resolves.toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await page.goto(`${portal.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/signin");
    await context.close();
  });

  it("shows an error page, not a crash, when the identity provider is down", async () => {
    await idp.stop();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${portal.url}/signin`);
    await page.getByRole("button", { name: "Sign in with SciTeX Cloud" }).click();
    await page.getByTestId("signin-error").waitFor();
    expect(await page.getByTestId("signin-error").textContent()).toMatch(/Could not reach SciTeX Cloud|not answering/);
    expect(new URL(page.url()).origin).toBe(portal.url);
    // The portal itself is still up.
    expect((await fetch(`${portal.url}/signin`)).status).toBe(200);
    await context.close();
  });
});
