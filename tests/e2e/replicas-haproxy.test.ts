import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, sessionCookieHeader } from "../support/browser";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";
import { freePort } from "../support/free-port";
import { startHaproxy, type Haproxy } from "../support/haproxy";
import { startPortal } from "../support/portal-process";
import { startPortalReplicas, type PortalReplicas } from "../support/portal-replicas";
import { SshClient } from "../support/ssh-client";
import { typeLine, waitForPrompt, waitForText } from "../support/terminal-page";

const SECRET = "replicas-secret-replicas-secret-0123456";
const CLIENT = { id: "scitex-portal", secret: "replicas behind haproxy" };
const ALICE = { username: "alice", password: "alice-pw-1", firstName: "Alice", lastName: "Archer", email: "alice@lab.example" };

/** Two real portal processes on one PostgreSQL behind Debian's HAProxy on deploy/haproxy.cfg: one address for all. */
describe("two portal processes behind HAProxy", () => {
  let idp: DjangoIdp;
  let replicas: PortalReplicas;
  let haproxy: Haproxy;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shared: Record<string, string>;

  beforeAll(async () => {
    const ports = { http: await freePort(), ssh: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.http}`;
    idp = await startDjangoIdp({ users: [ALICE], clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUris: [`${publicUrl}/api/auth/callback/oidc`] });
    shared = {
      NODE_ENV: "production",
      PUBLIC_URL: publicUrl,
      SSH_PUBLIC_HOST: "127.0.0.1",
      TRUSTED_PROXIES: "127.0.0.1",
      // deploy/haproxy.cfg sends a PROXY header on every SSH connection.
      SSH_PROXY_PROTOCOL_FROM: "127.0.0.1",
      AUTH_SECRET: SECRET,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
    };
    replicas = await startPortalReplicas(2, shared);
    const [p1, p2] = replicas.processes;
    haproxy = await startHaproxy([{ httpPort: p1!.port, sshPort: p1!.sshPort }, { httpPort: p2!.port, sshPort: p2!.sshPort }], ports);
    // Both health checks (/readyz, the SSH banner) pass on both processes before any user arrives.
    await haproxy.allUp();
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await haproxy?.stop();
    await replicas?.cleanup();
    await idp?.stop();
  });

  /** Sends this browser's next requests to one process, by HAProxy's own stickiness cookie. */
  const pinTo = (server: "p1" | "p2") => context.addCookies([{ name: "portal_server", value: server, url: haproxy.url }]);
  /** Which process answered the next request for this path through HAProxy (its X-Portal-Server header). */
  const servedBy = (pathname: string) =>
    page
      .waitForResponse((response) => {
        const url = new URL(response.url());
        return url.origin === haproxy.url && url.pathname === pathname;
      })
      .then((response) => ({ server: response.headers()["x-portal-server"], status: response.status() }));

  it("reports the shared database in /readyz on each process", async () => {
    for (const p of replicas.processes) {
      const answer = await fetch(`${p.url}/readyz`);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ status: "ready", database: "postgres", checks: { database: "ok", docker: "ok" } });
    }
  });

  it("signs in through one process and finishes at the provider's callback on the other", async () => {
    await pinTo("p1");
    await page.goto(`${haproxy.url}/signin`);
    const started = servedBy("/api/auth/signin/oidc");
    await page.getByRole("button", { name: /^Sign in with/ }).click();
    expect(await started).toMatchObject({ server: "p1" });
    await page.locator('input[name="username"]').fill(ALICE.username);
    await page.locator('input[name="password"]').fill(ALICE.password);
    // The state and PKCE cookies p1 set are read by p2: the same secret, and nothing kept in p1's memory.
    await pinTo("p2");
    const finished = servedBy("/api/auth/callback/oidc");
    await page.locator('button[type="submit"], input[type="submit"]').first().click();
    expect(await finished).toMatchObject({ server: "p2", status: 302 });
    await page.waitForURL(`${haproxy.url}/`);
    await expect(page.getByTestId("signed-in-user").textContent()).resolves.toContain("Alice Archer");
  });

  it("uses the workspace through the first process with the second's sign-in: pages, and a terminal over WebSocket", async () => {
    await pinTo("p1");
    const dashboard = servedBy("/");
    await page.goto(`${haproxy.url}/`);
    expect(await dashboard).toMatchObject({ server: "p1", status: 200 });
    const sockets: string[] = [];
    page.on("websocket", (socket) => sockets.push(socket.url()));
    await page.getByTestId("open-workspace").click();
    await page.waitForURL(`${haproxy.url}/workspace`);
    await waitForPrompt(page);
    await typeLine(page, "echo over-haproxy-$((6*7))");
    await waitForText(page, "over-haproxy-42");
    expect(sockets.some((url) => url.startsWith(`ws://127.0.0.1:${haproxy.httpPort}/`))).toBe(true);
    // The terminal's socket is a tunnel through HAProxy to p1, open now.
    const rows = await haproxy.stats();
    expect(rows.find((row) => row.backend === "portal_http" && row.server === "p1")!.current).toBeGreaterThanOrEqual(1);
  });

  it("presents the operator's host key through HAProxy and on each process, and logs a key in whichever takes it", async () => {
    const expected = fs.readFileSync(path.join(replicas.hostKeysDir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    const scan = (port: number) => {
      const result = spawnSync("ssh-keyscan", ["-T", "20", "-p", String(port), "-t", "ed25519", "127.0.0.1"], { encoding: "utf8" });
      const line = result.stdout.split("\n").find((l) => l.includes("ssh-ed25519"));
      if (!line) throw new Error(`ssh-keyscan on ${port} found no key: ${result.stderr}`);
      return line.split(" ").slice(1, 3).join(" ");
    };
    // Each process's own key is checked below by logging in on it directly with StrictHostKeyChecking=yes (from
    // 127.0.0.2: the processes take 127.0.0.1, HAProxy's address, for a balancer and close its header-less connections).
    // Through HAProxy until it has handed a connection to each process (its counters say which took each).
    const sshRows = async () => (await haproxy.stats()).filter((row) => row.backend === "portal_ssh");
    const before = await sshRows();
    const tookOne = async () => (await sshRows()).every((row) => row.total > before.find((b) => b.server === row.server)!.total);
    for (let scans = 0; !(await tookOne()); scans++) {
      if (scans >= 40) throw new Error(`HAProxy never sent a connection to both processes: ${JSON.stringify(await sshRows())}`);
      expect(scan(haproxy.sshPort)).toBe(expected);
    }

    // A key added through p2 signs in on p1, on p2 and through HAProxy, each checked against the one known host key.
    const cookie = `${(await sessionCookieHeader(page)).split("; ").filter((c) => !c.startsWith("portal_server=")).join("; ")}; portal_server=p2`;
    const client = new SshClient(haproxy.sshPort);
    const key = client.newKey("alice");
    const added = await fetch(`${haproxy.url}/api/ssh/keys`, {
      method: "POST",
      headers: { cookie, origin: haproxy.url, "content-type": "application/json" },
      body: JSON.stringify({ publicKey: client.publicKey(key), name: "laptop" }),
    });
    expect(added.status).toBe(201);
    expect(added.headers.get("x-portal-server")).toBe("p2");
    fs.writeFileSync(client.knownHosts, [haproxy.sshPort, ...replicas.processes.map((p) => p.sshPort)].map((port) => `[127.0.0.1]:${port} ${expected}\n`).join(""));
    for (const port of [haproxy.sshPort, ...replicas.processes.map((p) => p.sshPort)]) {
      const direct = port === haproxy.sshPort ? [] : ["-o", "BindAddress=127.0.0.2"];
      const args = [...client.options(key), ...direct, "-o", "StrictHostKeyChecking=yes", "-p", String(port), "alice@127.0.0.1", "echo", `in-through-${port}`];
      const result = await client.sshArgs(args);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout.trim()).toBe(`in-through-${port}`);
    }
  });

  it("refuses to start a process with another secret, saying which and what to do", async () => {
    const [first] = replicas.processes;
    const placement = { instance: first!.instance, dataRoot: first!.dataRoot, removeWorkspaces: async () => undefined };
    const env = { ...shared, DATABASE_URL: replicas.databaseUrl, SSH_HOST_KEYS_DIR: replicas.hostKeysDir, AUTH_SECRET: "another-secret-another-secret-another-99" };
    await expect(startPortal(env, undefined, placement)).rejects.toThrow(/AUTH_SECRET differs from the one the other portal processes on this database use[\s\S]*same AUTH_SECRET/);
    // The ones running are untouched.
    await haproxy.allUp();
  });

  it("refuses the embedded development provider and a process's own host keys on a shared database", async () => {
    const [first] = replicas.processes;
    const placement = { instance: first!.instance, dataRoot: first!.dataRoot, removeWorkspaces: async () => undefined };
    const env = { NODE_ENV: "test", AUTH_SECRET: SECRET, DATABASE_URL: replicas.databaseUrl };
    const refused = startPortal(env, undefined, placement);
    await expect(refused).rejects.toThrow(/OIDC_ISSUER: is required when DATABASE_URL is set: the embedded development identity provider/);
    await expect(refused).rejects.toThrow(/SSH_HOST_KEYS_DIR: is required when DATABASE_URL is set/);
  });

  it("reports the database down in /readyz, HAProxy takes the processes out, and both come back with it", async () => {
    const readyz = async (url: string) => {
      const answer = await fetch(`${url}/readyz`);
      return { status: answer.status, body: (await answer.json()) as { database: string; checks: Record<string, string> } };
    };
    await replicas.postgres.stop();
    try {
      for (const p of replicas.processes) {
        await expect.poll(async () => (await readyz(p.url)).status, { timeout: 30_000 }).toBe(503);
        const { body } = await readyz(p.url);
        expect(body.database).toBe("postgres");
        expect(body.checks.database).toMatch(/PostgreSQL does not answer/);
        expect(body.checks.docker).toBe("ok");
      }
      await expect
        .poll(async () => (await haproxy.stats()).filter((row) => row.backend === "portal_http").map((row) => row.status), { timeout: 30_000 })
        .toEqual(["DOWN", "DOWN"]);
    } finally {
      await replicas.postgres.start();
    }
    for (const p of replicas.processes) await expect.poll(async () => (await readyz(p.url)).status, { timeout: 30_000 }).toBe(200);
    await haproxy.allUp();
  });
});
