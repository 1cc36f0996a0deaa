import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../lib/store/sqlite";
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

  it("stops the SSH key of an account the provider cannot be asked about once its last sign-in is a session old, and says to sign in", async () => {
    // The embedded provider's grants are never kept, so no account here is re-checked: each stands on its sign-ins.
    const carol = { sub: "end-carol", username: "carol" }; // last signed in 13 hours ago
    const erin = { sub: "end-erin", username: "erin" }; // signed in before the portal kept sign-ins
    const dave = { sub: "end-dave", username: "dave" }; // signed in just now
    const keys = new Map<string, string>();
    for (const user of [carol, erin, dave]) {
      keys.set(user.username, ssh.newKey(user.username));
      await addSshKey(portal.url, await sessionCookie(SECRET, user), ssh.publicKey(keys.get(user.username)!));
    }
    await portal.stop();
    const db = openSqliteStore(portal.dataRoot).db;
    await db.updateTable("sign_ins").set({ at_ms: Date.now() - 13 * 3600_000 }).where("sub", "=", carol.sub).execute();
    await db.deleteFrom("sign_ins").where("sub", "=", erin.sub).execute();
    await db.destroy();
    await portal.restart();

    // As a user types it: OpenSSH shows what the gateway says once the key alone is not enough.
    const login = (user: { username: string }) =>
      ssh.sshArgs([...ssh.options(keys.get(user.username), false, "INFO"), "-p", String(portal.sshPort), `${user.username}@127.0.0.1`, "echo in"]);
    for (const user of [carol, erin]) {
      const refused = await login(user);
      expect(refused.code, refused.stderr).toBe(255);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain("Your SSH key is right, but this account has not signed in to the portal for over 12 hours");
      expect(refused.stderr).toContain(`Sign in to the portal once, in a browser (${portal.url}), then connect again.`);
    }
    expect((await login(dave)).stdout).toBe("in\n");

    // A sign-in renews it.
    expect((await get("/api/workspace", await sessionCookie(SECRET, carol))).status).toBe(200);
    const renewed = await login(carol);
    expect(renewed.stdout, renewed.stderr).toBe("in\n");
  });
});
