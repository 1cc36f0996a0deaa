import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, sessionCookieHeader, signIn } from "../support/browser";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";
import { LABEL } from "../../lib/workspace/labels";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";
import { addSshKey, openTerminalSocket } from "../support/portal-api";
import { SshClient } from "../support/ssh-client";

// The portal asks the Django site again about every account it holds a grant for, every
// PROVIDER_RECHECK_SECONDS: what an admin changes there reaches every door of the portal within a round.
const USERS = [
  { username: "alice", password: "alice-pw-1", email: "alice@lab.example" },
  { username: "carol", password: "carol-pw-2", email: "carol@lab.example" },
];
const CLIENT = { id: "scitex-portal", secret: "recheck client secret" };
const METRICS_TOKEN = "recheck-metrics-token-0123456789";
const ROUND_SECONDS = 2;
const FOLLOWS = { timeout: 60_000, interval: 500 };

describe("the portal follows the Django site after sign-in", () => {
  let idp: DjangoIdp;
  let portal: PortalProcess;
  let browser: Browser;
  let ssh: SshClient;
  let aliceKey: string;
  let aliceCookie: string;
  const quotasDir = fs.mkdtempSync(path.join(os.tmpdir(), "recheck-quotas-"));
  const quotasFile = path.join(quotasDir, "quotas.json");
  fs.writeFileSync(quotasFile, JSON.stringify({ groups: { imaging: { pids: 300 } } }));

  const get = (path: string, cookie: string) => fetch(`${portal.url}${path}`, { headers: { cookie } });
  const post = (path: string, cookie: string, body: unknown) =>
    fetch(`${portal.url}${path}`, { method: "POST", headers: { cookie, origin: portal.url, "content-type": "application/json" }, body: JSON.stringify(body) });

  async function signedInCookie(username: string, password: string): Promise<string> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, portal.url, username, password);
    const cookie = await sessionCookieHeader(page);
    await context.close();
    return cookie;
  }

  /** How many re-checks ended so, by the portal's own metrics. */
  async function rechecks(outcome: string): Promise<number> {
    const text = await (await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const line = text.split("\n").find((l) => l.startsWith(`scitex_provider_rechecks_total{outcome="${outcome}"}`));
    return line ? Number(line.split(" ").pop()) : 0;
  }

  beforeAll(async () => {
    const port = await freePort();
    idp = await startDjangoIdp({ users: USERS, clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUris: [`http://127.0.0.1:${port}/api/auth/callback/oidc`] });
    portal = await startPortal(
      {
        NODE_ENV: "production",
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT.id,
        OIDC_CLIENT_SECRET: CLIENT.secret,
        AUTH_SECRET: "recheck-secret-recheck-secret-recheck-01",
        ADMIN_CLAIM: "is_staff",
        PROVIDER_RECHECK_SECONDS: String(ROUND_SECONDS),
        METRICS_TOKEN,
        QUOTAS_FILE: quotasFile,
      },
      port,
    );
    browser = await launchBrowser();
    ssh = new SshClient(portal.sshPort);
    aliceKey = ssh.newKey("alice");
    aliceCookie = await signedInCookie("alice", "alice-pw-1");
    await addSshKey(portal.url, aliceCookie, ssh.publicKey(aliceKey));
  });

  afterAll(async () => {
    idp?.resume();
    ssh?.cleanup();
    await browser?.close();
    await portal?.cleanup();
    await idp?.stop();
    fs.rmSync(quotasDir, { recursive: true, force: true });
  });

  async function pidsLimitOf(username: string): Promise<number | undefined> {
    const sub = await idp.userSub(username);
    const list = await portal.docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.ownerSub}=${sub}`] } });
    if (list.length !== 1) return undefined;
    return (await portal.docker.getContainer(list[0]!.Id).inspect()).HostConfig.PidsLimit ?? undefined;
  }

  it("gives and takes admin rights as the Django site does, within a session", async () => {
    expect((await get("/api/admin/workspaces", aliceCookie)).status).toBe(403);
    await idp.setUser("alice", { staff: true, groups: ["imaging"] });
    await expect.poll(async () => (await get("/api/admin/workspaces", aliceCookie)).status, FOLLOWS).toBe(200);
    await idp.setUser("alice", { staff: false });
    await expect.poll(async () => (await get("/api/admin/workspaces", aliceCookie)).status, FOLLOWS).toBe(403);
    // Still signed in all along: only the rights moved.
    expect((await get("/api/workspace", aliceCookie)).status).toBe(200);
    // The group Django gave her meanwhile brings its quota at her next start.
    const started = await post("/api/workspace/start", aliceCookie, {});
    expect(await started.text()).toContain('"status"');
    expect(await pidsLimitOf("alice")).toBe(300);
  });

  it("signs nobody out while the Django site does not answer", async () => {
    const before = await rechecks("unanswered");
    idp.pause();
    try {
      await expect.poll(() => rechecks("unanswered"), FOLLOWS).toBeGreaterThan(before);
      expect((await get("/api/workspace", aliceCookie)).status).toBe(200);
      const inside = await ssh.ssh("alice", aliceKey, ["echo still-here"]);
      expect(inside.stdout, inside.stderr).toBe("still-here\n");
    } finally {
      idp.resume();
    }
    // Answering again, it is asked again: alice is still who she was.
    const same = await rechecks("same");
    await expect.poll(() => rechecks("same"), FOLLOWS).toBeGreaterThan(same);
    expect((await get("/api/workspace", aliceCookie)).status).toBe(200);
  });

  it("shuts out an account the Django site deactivates, on every door, until it signs in there again", async () => {
    await idp.setUser("carol", { staff: true });
    const carolCookie = await signedInCookie("carol", "carol-pw-2");
    const terminal = await openTerminalSocket(portal.url, aliceCookie);
    const held = ssh.background("alice", aliceKey, ["sleep 300"]);
    await expect.poll(async () => (await ssh.ssh("alice", aliceKey, ["echo in"])).stdout, { timeout: 30_000 }).toBe("in\n");

    await idp.setUser("alice", { active: false });
    expect(await terminal.ended).toMatch(/session_expired|disconnected/);
    terminal.socket.close();
    await expect.poll(() => held.child.exitCode !== null || held.child.signalCode !== null, FOLLOWS).toBe(true);
    expect((await get("/api/workspace", aliceCookie)).status).toBe(401);
    expect((await ssh.ssh("alice", aliceKey, ["echo should-not-run"])).code).toBe(255);
    // Carol, asked in the same rounds, is untouched; as an admin she sees why alice is out.
    expect((await get("/api/workspace", carolCookie)).status).toBe(200);
    const rows = (await (await get("/api/admin/workspaces", carolCookie)).json()) as { workspaces: Array<{ username: string; providerRefused: boolean }> };
    expect(rows.workspaces.find((w) => w.username === "alice")).toMatchObject({ providerRefused: true });

    // Active again at Django: her key stays refused until she signs in there, which is the provider saying yes.
    await idp.setUser("alice", { active: true });
    const refusedRounds = await rechecks("same");
    await expect.poll(() => rechecks("same"), FOLLOWS).toBeGreaterThan(refusedRounds);
    expect((await ssh.ssh("alice", aliceKey, ["echo too-early"])).code).toBe(255);
    const fresh = await signedInCookie("alice", "alice-pw-1");
    expect((await get("/api/workspace", fresh)).status).toBe(200);
    expect((await ssh.ssh("alice", aliceKey, ["echo back"])).stdout).toBe("back\n");
    expect((await get("/api/workspace", aliceCookie)).status).toBe(401);
  });
});
