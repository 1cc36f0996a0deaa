import { spawn } from "node:child_process";
import net from "node:net";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKSPACE_IMAGE } from "../support/images";
import { addSshKey } from "../support/portal-api";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "allowance-secret-allowance-secret-012345";
const MAX_OPEN = 2;
const OPENS_PER_MINUTE = 4;
const ann = { sub: "allow-ann", username: "ann" };
const ben = { sub: "allow-ben", username: "ben" };
const cy = { sub: "allow-cy", username: "cy" };

type Opened = { attached: true; close(): Promise<void> } | { attached: false; code: string; message: string };

describe("what a user may open, at once and per minute, through the web and SSH together", () => {
  let portal: PortalProcess;
  let ssh: SshClient;
  const keys = new Map<string, string>();

  /** A web terminal as the page opens one: attached, or refused with what the page would show. */
  const openTerminal = async (user: { sub: string; username: string }): Promise<Opened> => {
    const socket = io(portal.url, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { cookie: await sessionCookie(SECRET, user), origin: portal.url },
      auth: { cols: 80, rows: 24 },
      reconnection: false,
    });
    return new Promise((resolve, reject) => {
      socket.on("connect_error", reject);
      socket.on("fatal", ({ code, message }: { code: string; message: string }) => {
        socket.close();
        resolve({ attached: false, code, message });
      });
      socket.on("attached", () =>
        resolve({
          attached: true,
          // Closing a terminal ends its shell; the socket goes once the portal has let go of it.
          close: () =>
            new Promise<void>((done) => {
              socket.once("disconnect", () => done());
              socket.emit("close-terminal");
            }),
        }),
      );
    });
  };
  const run = (user: { username: string }, command: string) => ssh.ssh(user.username, keys.get(user.username), [command]);

  beforeAll(async () => {
    // The full workspace image: the relay test serves a page with python3.
    portal = await startPortal({ WORKSPACE_IMAGE, AUTH_SECRET: SECRET, TERMINAL_MAX_PER_USER: String(MAX_OPEN), TERMINAL_OPENS_PER_MINUTE: String(OPENS_PER_MINUTE) });
    ssh = new SshClient(portal.sshPort);
    for (const user of [ann, ben, cy]) {
      keys.set(user.username, ssh.newKey(user.username));
      await addSshKey(portal.url, await sessionCookie(SECRET, user), ssh.publicKey(keys.get(user.username)!));
    }
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  it("counts SSH sessions and web terminals against one limit, and says so on each door", async () => {
    const web = await openTerminal(ann);
    expect(web.attached).toBe(true);
    // An SSH session held open beside it.
    const held = spawn("ssh", [...ssh.options(keys.get("ann")), "-p", String(portal.sshPort), "ann@127.0.0.1", "echo ready; exec sleep 300"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        held.stdout.on("data", (c: Buffer) => c.toString().includes("ready") && resolve());
        held.once("close", () => reject(new Error("the held SSH session ended")));
      });

      const third = await openTerminal(ann);
      expect(third).toEqual({ attached: false, code: "runtime_error", message: expect.stringContaining(`You have ${MAX_OPEN} terminals and SSH sessions open, the most allowed.`) });
      const sshThird = await run(ann, "echo should-not-run");
      expect(sshThird.stdout).toBe("");
      expect(sshThird.code).toBe(1);
      expect(sshThird.stderr).toContain(`You have ${MAX_OPEN} terminals and SSH sessions open, the most allowed.`);

      // One closed, one may open again.
      if (web.attached) await web.close();
      const again = await openTerminal(ann);
      expect(again.attached).toBe(true);
      if (again.attached) await again.close();
    } finally {
      held.kill("SIGTERM");
    }
  });

  it("bounds how often a user opens terminals and SSH sessions, together, then lets them in again", async () => {
    for (let i = 0; i < OPENS_PER_MINUTE; i++) {
      const opened = await openTerminal(ben);
      expect(opened.attached).toBe(true);
      if (opened.attached) await opened.close();
    }
    const tooSoon = /Too many terminals, SSH sessions and forwarded connections opened in a short time \(at most 4 a minute\)\. Try again in \d+ seconds?\./;
    const past = await openTerminal(ben);
    expect(past.attached).toBe(false);
    if (!past.attached) {
      expect(past.code).toBe("rate_limited");
      expect(past.message).toMatch(tooSoon);
    }
    // The same budget at the SSH door.
    const sshPast = await run(ben, "echo should-not-run");
    expect(sshPast.code).toBe(1);
    expect(sshPast.stdout).toBe("");
    expect(sshPast.stderr).toMatch(tooSoon);

    // Refused attempts spend nothing: once the budget has refilled, both doors let ben in.
    let later: Opened | undefined;
    await expect
      .poll(async () => (later = await openTerminal(ben)).attached, { timeout: 60_000, interval: 1000 })
      .toBe(true);
    if (later?.attached) await later.close();
    await expect.poll(async () => (await run(ben, "echo in")).stdout, { timeout: 60_000, interval: 1000 }).toBe("in\n");
  });

  /** One HTTP/1.0 request through a local port; what came back ("" when the connection closed unanswered). */
  const through = (port: number) =>
    new Promise<string>((resolve) => {
      let got = "";
      const socket = net.connect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.0\r\n\r\n"));
      socket.on("data", (c: Buffer) => (got += c.toString()));
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(got));
    });

  it("counts `ssh -L` relays into the same budget, and lets them through again later", async () => {
    // A server on 127.0.0.1 only: each connection to it through the tunnel is a relay, an exec in the workspace.
    const started = await run(
      cy,
      "mkdir -p www && echo relay-ok > www/index.html && (cd www && nohup python3 -m http.server 8130 --bind 127.0.0.1 >/dev/null 2>&1 &); " +
        "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8130) 2>/dev/null && exit 0; sleep 0.1; done; exit 1",
    );
    expect(started.code, started.stderr).toBe(0); // one start
    const localPort = await freePort();
    // -N: no session, so the tunnel itself starts nothing; a connection before it listens is refused locally.
    const tunnel = ssh.background("cy", keys.get("cy")!, ["-N", "-L", `${localPort}:localhost:8130`]);
    try {
      await expect.poll(() => through(localPort), { timeout: 20_000, interval: 200 }).toContain("relay-ok"); // two
      for (let i = 0; i < OPENS_PER_MINUTE - 2; i++) expect(await through(localPort)).toContain("relay-ok");
      // The budget is spent: relays are refused, and so is a web terminal right after one. The budget refills one
      // start every 15 s, and a slow machine may see one come back at any moment: then that relay or terminal gets
      // through (spending it), and the next refusal is 15 s away, so the next try shows the shared budget.
      let refusedWeb: Awaited<ReturnType<typeof openTerminal>> | null = null;
      for (let round = 0; round < 3 && !refusedWeb; round++) {
        let relaysTried = 0;
        while ((await through(localPort)) !== "") expect(++relaysTried, "relays never refused: they do not count").toBeLessThan(3);
        const web = await openTerminal(cy);
        if (web.attached) await web.close();
        else refusedWeb = web;
      }
      expect(refusedWeb, "a web terminal was let in every time right after a refused relay").not.toBeNull();
      if (refusedWeb && !refusedWeb.attached) expect(refusedWeb.code).toBe("rate_limited");
      await expect.poll(() => through(localPort), { timeout: 60_000, interval: 1000 }).toContain("relay-ok");
    } finally {
      tunnel.stop();
    }
  });
});
