import { spawn } from "node:child_process";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSshKey } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "stop-notice-secret-stop-notice-secret-01";
const alice = { sub: "stop-notice-alice", username: "alice" };
// Short, so the test waits seconds, not half an hour, for the idle stop; the test waits for the sessions to end,
// never for a time.
const IDLE_SECONDS = 10;
const STOPPED = /^The workspace was stopped after (less than a minute|\d+ minutes?) without use(; \d+ process(es)? ended)?\./;

describe("sessions ended by the idle stop say why", () => {
  let portal: PortalProcess;
  let ssh: SshClient;
  let key: string;
  let cookie: string;

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET, WORKSPACE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS) });
    ssh = new SshClient(portal.sshPort);
    key = ssh.newKey("alice");
    cookie = await sessionCookie(SECRET, alice);
    await addSshKey(portal.url, cookie, ssh.publicKey(key));
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  it("tells an open web terminal and an interactive OpenSSH session, then the terminal reattaching after it", async () => {
    // An interactive login with a PTY, as a user has it: its input stays open, nobody types.
    const login = spawn("ssh", [...ssh.options(key), "-tt", "-p", String(portal.sshPort), "alice@127.0.0.1"], { stdio: ["pipe", "pipe", "pipe"] });
    let sshOut = "";
    let sshErr = "";
    login.stdout.on("data", (c: Buffer) => (sshOut += c.toString()));
    login.stderr.on("data", (c: Buffer) => (sshErr += c.toString()));
    const sshEnded = new Promise<number | null>((resolve) => login.once("exit", (code) => resolve(code)));

    // A web terminal as the page opens one.
    const socket = io(portal.url, { path: "/terminal-io", transports: ["websocket"], extraHeaders: { cookie, origin: portal.url }, auth: { cols: 80, rows: 24 }, reconnection: false });
    const exited = new Promise<{ code: number; message?: string }>((resolve) => socket.on("exit", resolve));
    const terminalId = await new Promise<string>((resolve, reject) => {
      socket.on("attached", ({ id }: { id: string }) => resolve(id));
      socket.on("fatal", (p: { message: string }) => reject(new Error(p.message)));
      socket.on("connect_error", reject);
    });

    // Nobody touches either: the idle stop ends both, and each is told why.
    const exit = await exited;
    expect(exit.message, JSON.stringify(exit)).toMatch(STOPPED);
    expect(exit.message).toMatch(/ Start it again to continue\.$/);
    socket.close();

    const code = await sshEnded;
    expect(code, `${sshOut}\n${sshErr}`).not.toBe(0);
    const told = sshErr.split(/\r?\n/).find((line) => line.startsWith("The workspace was stopped"));
    expect(told, `stderr: ${JSON.stringify(sshErr)}`).toMatch(STOPPED);
    expect(told).toMatch(/ Connect again to start it\.$/);
    login.stdin.end();

    // The sessions end as the engine stops the container; the stop itself is over a moment later.
    const view = async () => (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json()) as { state: string; stopCause?: string };
    await expect.poll(async () => (await view()).state, { timeout: 30_000, interval: 500 }).toBe("stopped");
    expect((await view()).stopCause).toBe("idle");

    // A page that was away during the stop comes back to its terminal: gone, and it says why.
    const again = io(portal.url, { path: "/terminal-io", transports: ["websocket"], extraHeaders: { cookie, origin: portal.url }, auth: { terminalId, cols: 80, rows: 24 }, reconnection: false });
    const fatal = await new Promise<{ code: string; message: string }>((resolve) => again.on("fatal", resolve));
    again.close();
    expect(fatal.code).toBe("gone");
    expect(fatal.message).toMatch(STOPPED);

    // Starting it again: a shell that ends now ends for its own reasons, and says nothing about a stop.
    const fresh = io(portal.url, { path: "/terminal-io", transports: ["websocket"], extraHeaders: { cookie, origin: portal.url }, auth: { cols: 80, rows: 24 }, reconnection: false });
    const freshExit = new Promise<{ code: number; message?: string }>((resolve) => fresh.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      fresh.on("attached", () => resolve());
      fresh.on("fatal", (p: { message: string }) => reject(new Error(p.message)));
    });
    fresh.emit("input", "exit\r");
    expect(await freshExit).toEqual({ code: 0 });
    fresh.close();
  });
});
