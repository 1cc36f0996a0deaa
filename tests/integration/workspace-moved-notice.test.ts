import { spawn } from "node:child_process";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_IMAGE } from "../support/images";
import { addSshKey } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { remakeBehindPortal } from "../support/remake-workspace";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "moved-notice-secret-moved-notice-secret-1";
const alice = { sub: "moved-notice-alice", username: "alice" };
const RESTARTED = "Your workspace was restarted in a new container;";

describe("sessions whose workspace is made anew behind the portal's back say so", () => {
  let portal: PortalProcess;
  let ssh: SshClient;
  let key: string;
  let cookie: string;

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET });
    ssh = new SshClient(portal.sshPort);
    key = ssh.newKey("alice");
    cookie = await sessionCookie(SECRET, alice);
    await addSshKey(portal.url, cookie, ssh.publicKey(key));
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  const terminal = (auth: Record<string, unknown>): Socket =>
    io(portal.url, { path: "/terminal-io", transports: ["websocket"], extraHeaders: { cookie, origin: portal.url }, auth: { cols: 80, rows: 24, ...auth }, reconnection: false });
  const attached = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      socket.on("attached", ({ id }: { id: string }) => resolve(id));
      socket.on("fatal", (p: { message: string }) => reject(new Error(p.message)));
      socket.on("connect_error", reject);
    });

  it("an open web terminal and an OpenSSH shell are told, the SSH client exits 75, and a new terminal runs in the new one", async () => {
    const socket = terminal({});
    let shown = "";
    socket.on("output", (data: ArrayBuffer) => (shown += Buffer.from(data).toString()));
    const exited = new Promise<{ code: number; message?: string; moved?: boolean }>((resolve) => socket.on("exit", resolve));
    const terminalId = await attached(socket);
    socket.emit("input", "echo web-$((40+2))\r");
    await expect.poll(() => shown, { timeout: 15_000 }).toContain("web-42");

    const login = spawn("ssh", [...ssh.options(key), "-tt", "-p", String(portal.sshPort), "alice@127.0.0.1"], { stdio: ["pipe", "pipe", "pipe"] });
    let sshOut = "";
    let sshErr = "";
    login.stdout.on("data", (c: Buffer) => (sshOut += c.toString()));
    login.stderr.on("data", (c: Buffer) => (sshErr += c.toString()));
    const sshEnded = new Promise<number | null>((resolve) => login.once("exit", (code) => resolve(code)));
    login.stdin.write("echo ssh-$((6*7))\r");
    await expect.poll(() => sshOut, { timeout: 15_000 }).toContain("ssh-42");

    // Another portal process (the same instance, data and engine) finds no workspace by its name, because an
    // operator renamed the container, and makes it anew; the old copy is then stopped. Its shells end with it.
    const oldId = await remakeBehindPortal(portal, alice.sub, { WORKSPACE_IMAGE: TEST_IMAGE });

    const exit = await exited;
    expect(exit.moved, JSON.stringify(exit)).toBe(true);
    expect(exit.message).toBe(`${RESTARTED} this terminal's shell ended with the old one. Opening a new terminal…`);
    socket.close();

    expect(await sshEnded, `${sshOut}\n${sshErr}`).toBe(75);
    expect(sshErr).toContain(`${RESTARTED} this session's shell ended with the old one. Connect again with the same ssh command to continue.`);
    login.stdin.end();

    // A page that was away comes back to the old terminal: it learns of the move (and opens a new one).
    const again = terminal({ terminalId });
    const fatal = await new Promise<{ code: string; message: string }>((resolve) => again.on("fatal", resolve));
    again.close();
    expect(fatal.code).toBe("moved");
    expect(fatal.message).toContain(RESTARTED);

    // The new terminal the page opens runs in the new container.
    const fresh = terminal({});
    let freshShown = "";
    fresh.on("output", (data: ArrayBuffer) => (freshShown += Buffer.from(data).toString()));
    await attached(fresh);
    fresh.emit("input", "echo again-$((40+2))\r");
    await expect.poll(() => freshShown, { timeout: 15_000 }).toContain("again-42");
    fresh.close();
    await portal.docker.getContainer(oldId).remove({ force: true }).catch(() => undefined);
  });
});
