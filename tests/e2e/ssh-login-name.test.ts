import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";
import { addSshKey } from "../support/portal-api";
import { SshClient } from "../support/ssh-client";

// Django allows @ . + - _ in usernames, and accounts made by other means hold more; OpenSSH (since the
// CVE-2023-51385 fix) refuses shell metacharacters in a user name before it connects. The SSH page must give
// every user a command that works as shown.
const ZOE = { username: "Zoë.O'Brien+lab@uni", password: "zoe-pw-1", email: "zoe@lab.example" };
const PLAIN = { username: "plain.user+lab", password: "plain-pw-2", email: "plain@lab.example" };
const CLIENT = { id: "scitex-portal", secret: "ssh-login-name secret" };

describe("an SSH name every client accepts", () => {
  let idp: DjangoIdp;
  let portal: PortalProcess;
  let browser: Browser;
  let ssh: SshClient;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startDjangoIdp({ users: [ZOE, PLAIN], clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUris: [`http://127.0.0.1:${port}/api/auth/callback/oidc`] });
    portal = await startPortal(
      { NODE_ENV: "production", OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret, AUTH_SECRET: "ssh-login-name-secret-ssh-login-name-01" },
      port,
    );
    browser = await launchBrowser();
    ssh = new SshClient(portal.sshPort);
  });
  afterAll(async () => {
    ssh?.cleanup();
    await browser?.close();
    await portal?.cleanup();
    await idp?.stop();
  });

  /** Signs in, adds a fresh key through the API, and opens the SSH page; returns what the page shows. */
  async function sshPageOf(user: { username: string; password: string }): Promise<{ page: Page; context: BrowserContext; key: string; command: string; config: string }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, user.username, user.password);
    const key = ssh.newKey(`key-${Math.random().toString(36).slice(2, 8)}`);
    await addSshKey(portal.url, await sessionCookieHeader(page), ssh.publicKey(key));
    await page.goto(`${portal.url}/ssh`);
    const command = (await page.getByTestId("ssh-command").textContent())!.trim();
    const config = (await page.getByTestId("ssh-config").textContent())!;
    return { page, context, key, command, config };
  }

  /** Runs the page's own command with OpenSSH, adding only the test's key and known_hosts. */
  function runShown(command: string, key: string, remote: string[]) {
    const [program, ...args] = command.split(" ");
    expect(program).toBe("ssh");
    const portAt = args.indexOf("-p");
    return ssh.sshArgs([...ssh.options(key), ...args.slice(portAt, portAt + 2), ...args.slice(portAt + 2), ...remote]);
  }

  it("shows a user whose name OpenSSH refuses a login name that works, as a command and as ~/.ssh/config", async () => {
    const { context, page, key, command, config } = await sshPageOf(ZOE);
    const login = command.split(" ").at(-1)!.split("@")[0]!;
    expect(login).toMatch(/^zoe-o-brien-lab-uni-[a-z2-9]{8}$/);
    await expect(page.getByTestId("ssh-login-name").textContent()).resolves.toContain(ZOE.username);

    // The username itself, quoted as a shell would need it, never reaches the gateway.
    const refused = await ssh.ssh(ZOE.username, key, ["true"]);
    expect(refused.stderr).toContain("remote username contains invalid characters");

    const shown = await runShown(command, key, ["whoami; echo works"]);
    expect(shown.stdout, shown.stderr).toBe("user\nworks\n");

    // The config entry, pasted as is (the port and host it names are this portal's).
    const configFile = path.join(ssh.dir, "config-zoe");
    fs.writeFileSync(configFile, config);
    expect(config).toContain(`User ${login}`);
    const viaConfig = await ssh.sshArgs(["-F", configFile, ...ssh.options(key), "scitex", "echo via-config"]);
    expect(viaConfig.stdout, viaConfig.stderr).toBe("via-config\n");

    // The copy button puts exactly the shown command on the clipboard.
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: portal.url });
    await page.getByTestId("ssh-command-copy").click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), { timeout: 10_000 }).toBe(command);
    await context.close();
  });

  it("keeps a username every client accepts as the login name", async () => {
    const { context, page, key, command } = await sshPageOf(PLAIN);
    expect(command).toMatch(new RegExp(`^ssh -p ${portal.sshPort} plain\\.user\\+lab@`));
    expect(await page.getByTestId("ssh-login-name").count()).toBe(0);
    const shown = await runShown(command, key, ["echo plain-works"]);
    expect(shown.stdout, shown.stderr).toBe("plain-works\n");
    await context.close();
  });
});
