import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFetch, openApp } from "../support/app-client";
import { addSshKey, openTerminalSocket } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "session-end-secret-session-end-secret-01";
const alice = { sub: "end-alice", username: "alice" };
const admin = { sub: "end-admin", username: "root-admin" };

describe("sessions with an end, on every door", () => {
  let portal: PortalProcess;
  let ssh: SshClient;
  let aliceKey: string;
  let aliceCookie: string;
  let adminCookie: string;

  const get = (path: string, cookie: string) => fetch(`${portal.url}${path}`, { headers: { cookie } });
  const post = (path: string, cookie: string, body: unknown) =>
    fetch(`${portal.url}${path}`, { method: "POST", headers: { cookie, origin: portal.url, "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET });
    ssh = new SshClient(portal.sshPort);
    aliceKey = ssh.newKey("alice");
    aliceCookie = await sessionCookie(SECRET, alice);
    adminCookie = await sessionCookie(SECRET, admin, { isAdmin: true });
    await addSshKey(portal.url, aliceCookie, ssh.publicKey(aliceKey));
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  it("ends a sign-in at its lifetime from the sign-in itself, however fresh its cookie", async () => {
    const old = await sessionCookie(SECRET, alice, { authAt: Date.now() - 13 * 3600_000 });
    expect((await get("/api/workspace", old)).status).toBe(401);
    expect((await get("/api/workspace", aliceCookie)).status).toBe(200);
  });

  it("disabling an account closes its terminal, app and SSH connections at once and refuses them after", async () => {
    const terminal = await openTerminalSocket(portal.url, aliceCookie);
    const app = await openApp(portal.url, aliceCookie, "8000");
    const appStatus = async () => (await appFetch(`${app.origin}/`, { headers: { cookie: app.cookie } })).status;
    expect(await appStatus()).not.toBe(401); // 502: nothing listens, but alice is let through
    const held = ssh.background("alice", aliceKey, ["sleep 120"]);
    await expect.poll(async () => (await ssh.ssh("alice", aliceKey, ["echo in"])).stdout, { timeout: 30_000 }).toBe("in\n");

    const list = (await (await get("/api/admin/workspaces", adminCookie)).json()) as { workspaces: Array<{ name: string; sub: string }> };
    const name = list.workspaces.find((w) => w.sub === alice.sub)!.name;
    const disabled = await post(`/api/admin/workspaces/${name}`, adminCookie, { action: "disable" });
    expect(disabled.status, await disabled.clone().text()).toBe(200);

    expect(await terminal.ended).toMatch(/session_expired|disconnected/);
    await expect.poll(() => held.child.exitCode !== null || held.child.signalCode !== null, { timeout: 15_000 }).toBe(true);
    expect((await get("/api/workspace", aliceCookie)).status).toBe(401);
    expect(await appStatus()).toBe(401);
    expect((await ssh.ssh("alice", aliceKey, ["echo should-not-run"])).code).toBe(255);
    terminal.socket.close();

    // Enabled again: the key works, a new sign-in works, the ended one stays ended.
    expect((await post(`/api/admin/workspaces/${name}`, adminCookie, { action: "enable" })).status).toBe(200);
    expect((await ssh.ssh("alice", aliceKey, ["echo back"])).stdout).toBe("back\n");
    expect((await get("/api/workspace", aliceCookie)).status).toBe(401);
    expect((await get("/api/workspace", await sessionCookie(SECRET, alice))).status).toBe(200);
  });
});
