import { createHash, randomBytes } from "node:crypto";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKSPACE_IMAGE } from "../support/images";
import { freePort, startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "ssh-test-secret-ssh-test-secret-0123456";
const alice = { sub: "ssh-alice", username: "alice" };
const bob = { sub: "ssh-bob", username: "bob" };

// Low, so that pacing shows plainly against a free-running `yes`.
const BULK_RATE = 64 * 1024;
const LOGIN_TIMEOUT_SECONDS = 10;
const PER_ADDRESS = 16;
// Failed logins from one address before it is refused outright (the real default is 100).
const FAILURES_PER_ADDRESS = 12;
// An address of its own (127.0.0.2 stands for "another address" elsewhere in this file).
const FROM_OTHER_ADDRESS = ["-o", "BindAddress=127.0.0.3"];
// Somebody else's address, holding approvals for names that are not theirs.
const FROM_ATTACKER = ["-o", "BindAddress=127.0.0.4"];

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("SSH gateway with the real OpenSSH client", () => {
  let portal: PortalProcess;
  let client: SshClient;
  let aliceKey: string;
  let bobKey: string;

  async function addKey(user: { sub: string; username: string }, keyFile: string): Promise<void> {
    const response = await fetch(`${portal.url}/api/ssh/keys`, {
      method: "POST",
      headers: { cookie: await sessionCookie(SECRET, user), origin: portal.url, "content-type": "application/json" },
      body: JSON.stringify({ publicKey: client.publicKey(keyFile) }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }

  beforeAll(async () => {
    portal = await startPortal({
      WORKSPACE_IMAGE,
      WORKSPACE_MEMORY: "2g",
      AUTH_SECRET: SECRET,
      TERMINAL_BULK_RATE_KB: String(BULK_RATE / 1024),
      TERMINAL_PACING_SECONDS: "2",
      SSH_LOGIN_TIMEOUT_SECONDS: String(LOGIN_TIMEOUT_SECONDS),
      SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: String(PER_ADDRESS),
      TERMINAL_MAX_PER_USER: "12",
      // This file opens many sessions quickly (polls over SSH); the rate bound has a test of its own.
      TERMINAL_OPENS_PER_MINUTE: "1000",
      SSH_MAX_FAILURES_PER_ADDRESS: String(FAILURES_PER_ADDRESS),
    });
    client = new SshClient(portal.sshPort);
    aliceKey = client.newKey("alice");
    bobKey = client.newKey("bob");
    await addKey(alice, aliceKey);
    await addKey(bob, bobKey);
  });
  afterAll(async () => {
    client?.cleanup();
    await portal?.cleanup();
  });

  it("logs in with a key and runs a command in the user's own workspace", async () => {
    const result = await client.ssh("alice", aliceKey, ["echo hello; id -un; pwd; hostname"]);
    expect(result.stderr).not.toContain("Permission denied");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^hello\nuser\n\/home\/user\nalice-[a-z2-9]{8}\n$/);
  });

  it("refuses a key nobody added, and another user's key", async () => {
    const stranger = client.newKey("stranger");
    expect((await client.ssh("alice", stranger, ["true"])).code).toBe(255);
    const wrongUser = await client.ssh("alice", bobKey, ["true"]);
    expect(wrongUser.code).toBe(255);
    expect(wrongUser.stderr).toContain("Permission denied");
    // Unknown users get the very same answer.
    expect((await client.ssh("nobody-here", stranger, ["true"])).stderr).toBe(wrongUser.stderr.replace("alice", "nobody-here"));
  });

  it("returns the command's exit status and keeps stderr apart from stdout", async () => {
    expect((await client.ssh("alice", aliceKey, ["exit 3"])).code).toBe(3);
    const both = await client.ssh("alice", aliceKey, ["echo to-out; echo to-err >&2"]);
    expect(both.stdout).toBe("to-out\n");
    expect(both.stderr).toBe("to-err\n");
  });

  it("passes stdin and its end to the command", async () => {
    const data = randomBytes(300_000).toString("base64");
    const result = await client.ssh("alice", aliceKey, ["wc -c"], data);
    expect(result.stdout.trim()).toBe(String(data.length));
  });

  it("copies files both ways with sftp and scp (SFTP and legacy protocols), bytes identical", async () => {
    const local = path.join(client.dir, "upload.bin");
    fs.writeFileSync(local, randomBytes(3 * 1024 * 1024));
    const back = path.join(client.dir, "download.bin");
    const sftp = await client.sftp(aliceKey, "alice", `put ${local} up.bin\nget up.bin ${back}\n`);
    expect(sftp.code, sftp.stderr).toBe(0);
    expect(sha256(back)).toBe(sha256(local));

    const scpBack = path.join(client.dir, "scp-back.bin");
    expect((await client.scp(aliceKey, [local, "alice@127.0.0.1:scp.bin"])).code).toBe(0);
    expect((await client.scp(aliceKey, ["alice@127.0.0.1:scp.bin", scpBack])).code).toBe(0);
    expect(sha256(scpBack)).toBe(sha256(local));

    const legacyBack = path.join(client.dir, "legacy-back.bin");
    const legacy = await client.scp(aliceKey, ["-O", local, "alice@127.0.0.1:legacy.bin"]);
    expect(legacy.code, legacy.stderr).toBe(0);
    expect((await client.scp(aliceKey, ["-O", "alice@127.0.0.1:legacy.bin", legacyBack])).code).toBe(0);
    expect(sha256(legacyBack)).toBe(sha256(local));
  });

  it("synchronises a directory with rsync over ssh", async () => {
    const tree = path.join(client.dir, "tree");
    fs.mkdirSync(path.join(tree, "sub"), { recursive: true });
    fs.writeFileSync(path.join(tree, "a.txt"), "alpha\n");
    fs.writeFileSync(path.join(tree, "sub", "b.bin"), randomBytes(100_000));
    const result = await client.rsync(aliceKey, ["-a", `${tree}/`, "alice@127.0.0.1:synced/"]);
    expect(result.code, result.stderr).toBe(0);
    const remote = await client.ssh("alice", aliceKey, ["cd synced && find . -type f | sort && sha256sum sub/b.bin"]);
    expect(remote.stdout).toContain("./a.txt\n./sub/b.bin\n");
    expect(remote.stdout).toContain(sha256(path.join(tree, "sub", "b.bin")));
  });

  /** What is left of `ssh -L` relays in alice's workspace (the relay's bash and its two copies). */
  const relays = async () =>
    (await client.ssh("alice", aliceKey, ["ps -eo args"])).stdout.split("\n").filter((line) => line.includes("/dev/tcp/") || line.trim() === "cat");

  let lastSocket: net.Socket | null = null;
  /** Opens a connection through a tunnel and keeps it; true once the far end's greeting came back through it. */
  const connects = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("data", () => {
        lastSocket = socket;
        resolve(true);
      });
      socket.on("error", () => resolve(false));
      socket.on("close", () => resolve(false));
    });

  it("forwards a local port to a server in the workspace, even one bound to 127.0.0.1 only", async () => {
    await client.ssh("alice", aliceKey, ["mkdir -p www && echo forwarded-ok > www/index.html && (cd www && nohup python3 -m http.server 8123 --bind 127.0.0.1 >/dev/null 2>&1 &) ; sleep 1"]);
    const localPort = await freePort();
    const tunnel = client.background("alice", aliceKey, ["-N", "-L", `${localPort}:localhost:8123`]);
    try {
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${localPort}/`).then((r) => r.text()).catch(() => "")).trim(), { timeout: 20_000 })
        .toBe("forwarded-ok");
      // The server closed each connection after answering: the relays that carried them are gone, tunnel or not.
      await expect.poll(() => relays(), { timeout: 20_000 }).toEqual([]);

      // A server that never closes, and a client that goes away: the relay goes with the client.
      await client.ssh("alice", aliceKey, [
        `(nohup python3 -c 'import socket,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("127.0.0.1",8125));s.listen()\nheld=[]\nwhile True:\n c,a=s.accept();c.send(b\"hi\\n\");held.append(c)' >/dev/null 2>&1 &); sleep 1`,
      ]);
      const tunnel2Port = await freePort();
      const tunnel2 = client.background("alice", aliceKey, ["-N", "-L", `${tunnel2Port}:localhost:8125`]);
      try {
        await expect.poll(() => connects(tunnel2Port), { timeout: 20_000 }).toBe(true);
        await expect.poll(() => relays(), { timeout: 20_000 }).not.toEqual([]);
        lastSocket?.destroy();
        await expect.poll(() => relays(), { timeout: 20_000 }).toEqual([]);
      } finally {
        tunnel2.stop();
      }
    } finally {
      tunnel.stop();
    }
  });

  it("keeps alice out of bob's workspace: no login as bob, no forwarding to his address", async () => {
    expect((await client.ssh("bob", aliceKey, ["true"])).code).toBe(255);
    // bob runs a server on all addresses; alice asks the gateway to forward to bob's address.
    await client.ssh("bob", bobKey, ["(nohup python3 -m http.server 8124 >/dev/null 2>&1 &); sleep 1"]);
    const bobIp = (await client.ssh("bob", bobKey, ["hostname -I"])).stdout.trim().split(/\s+/)[0]!;
    const localPort = await freePort();
    const tunnel = client.background("alice", aliceKey, ["-N", "-L", `${localPort}:${bobIp}:8124`]);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const reached = await new Promise<boolean>((resolve) => {
        const s = net.connect(localPort, "127.0.0.1", () => {
          s.once("data", () => resolve(true));
          s.once("close", () => resolve(false));
          s.write("GET / HTTP/1.0\r\n\r\n");
        });
        s.once("error", () => resolve(false));
      });
      expect(reached).toBe(false);
    } finally {
      tunnel.stop();
    }
  });

  it("ends what a session started when the client disconnects", async () => {
    const session = client.background("alice", aliceKey, ["sleep 7777"]);
    await expect.poll(async () => (await client.ssh("alice", aliceKey, ["ps -eo args"])).stdout, { timeout: 15_000 }).toContain("sleep 7777");
    session.stop();
    await expect.poll(async () => (await client.ssh("alice", aliceKey, ["ps -eo args"])).stdout, { timeout: 15_000 }).not.toContain("sleep 7777");
  });

  it("follows the terminal size of an interactive session", async () => {
    const name = `ssh-pty-${process.pid}`;
    const sshCommand = ["ssh", "-t", ...client.options(aliceKey), "-p", String(portal.sshPort), "alice@127.0.0.1"].join(" ");
    execFileSync("tmux", ["new-session", "-d", "-s", name, "-x", "100", "-y", "30", sshCommand]);
    const screen = () => execFileSync("tmux", ["capture-pane", "-p", "-t", name], { encoding: "utf8" });
    try {
      await expect.poll(screen, { timeout: 20_000 }).toMatch(/\$ *$/m);
      execFileSync("tmux", ["send-keys", "-t", name, "stty size", "Enter"]);
      await expect.poll(screen, { timeout: 10_000 }).toContain("30 100");
      execFileSync("tmux", ["resize-window", "-t", name, "-x", "120", "-y", "40"]);
      await new Promise((r) => setTimeout(r, 500));
      execFileSync("tmux", ["send-keys", "-t", name, "clear; stty size", "Enter"]);
      await expect.poll(screen, { timeout: 10_000 }).toContain("40 120");
    } finally {
      execFileSync("tmux", ["kill-session", "-t", name]);
    }
  });

  it("delivers a signal request to the running command", async () => {
    // OpenSSH's client has no way to send one; the ssh2 client library does, as IDEs and tools built on it do.
    const conn = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      conn.once("ready", resolve).once("error", reject);
      conn.connect({ host: "127.0.0.1", port: portal.sshPort, username: "alice", privateKey: fs.readFileSync(aliceKey), hostVerifier: () => true });
    });
    try {
      const outcome = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        conn.exec("trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.2; done", (error, channel) => {
          if (error) return reject(error);
          let out = "";
          channel.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out === "ready\n") channel.signal("TERM");
          });
          channel.on("exit", (code: number | null) => resolve({ code, out }));
        });
      });
      expect(outcome).toEqual({ code: 7, out: "ready\ngot-term\n" });
    } finally {
      conn.end();
    }
  });

  it("paces an SSH shell's flood once another shell is open, typed into or not, and lets it run free when alone", async () => {
    const connect = async () => {
      const conn = new ssh2.Client();
      await new Promise<void>((resolve, reject) => {
        conn.once("ready", resolve).once("error", reject);
        conn.connect({ host: "127.0.0.1", port: portal.sshPort, username: "alice", privateKey: fs.readFileSync(aliceKey), hostVerifier: () => true });
      });
      const shell = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        conn.shell({ term: "xterm", cols: 80, rows: 24 }, (error, channel) => (error ? reject(error) : resolve(channel))),
      );
      let bytes = 0;
      shell.on("data", (chunk: Buffer) => (bytes += chunk.length));
      return { conn, shell, bytes: () => bytes };
    };
    const during = async (ms: number, what: { bytes(): number }, tick?: () => void) => {
      const before = what.bytes();
      for (const end = Date.now() + ms; Date.now() < end; ) {
        tick?.();
        await new Promise((r) => setTimeout(r, 50));
      }
      return what.bytes() - before;
    };
    // Paced: the rate, a burst, and what was in flight. Free: more in one second than pacing lets through in
    // one, by a margin a busy machine's slower stream still clears.
    const pacedBound = (seconds: number) => seconds * BULK_RATE + 256 * 1024;
    const flood = await connect();
    let typist: Awaited<ReturnType<typeof connect>> | undefined;
    try {
      flood.shell.write("yes\n");
      await new Promise((r) => setTimeout(r, 2500)); // its own typing is over
      expect(await during(1000, flood)).toBeGreaterThan(pacedBound(1)); // alone: free

      typist = await connect();
      // What the free-running flood had already sent (socket buffers and the client's 2 MB SSH window) still
      // arrives once pacing has begun; the rate is measured after it. Nobody has typed yet.
      await during(1000, flood);
      expect(await during(2000, flood)).toBeLessThan(pacedBound(2));
      let n = 0;
      const shell = typist.shell;
      expect(await during(2000, flood, () => shell.write(n++ % 2 ? "\x7f" : "x"))).toBeLessThan(pacedBound(2));

      typist.conn.end(); // alone again: the flood runs free
      typist = undefined;
      await new Promise((r) => setTimeout(r, 2100));
      expect(await during(1000, flood)).toBeGreaterThan(pacedBound(1));
    } finally {
      flood.shell.write("\x03");
      flood.conn.end();
      typist?.conn.end();
    }
  });

  it("shrugs off garbage and half-open connections", async () => {
    for (const payload of [randomBytes(4096), Buffer.from("SSH-2.0-x\r\n" + "\0".repeat(5000)), Buffer.from("GET / HTTP/1.1\r\n\r\n")]) {
      await new Promise<void>((resolve) => {
        const s = net.connect(portal.sshPort, "127.0.0.1", () => s.end(payload));
        s.on("error", () => resolve());
        s.on("close", () => resolve());
        s.resume();
      });
    }
    const idle = net.connect(portal.sshPort, "127.0.0.1"); // says nothing at all
    expect((await client.ssh("alice", aliceKey, ["echo alive"])).stdout).toBe("alive\n");
    idle.destroy();
  });

  it("keeps its host key across restarts", async () => {
    const scan = () =>
      spawnSync("ssh-keyscan", ["-T", "20", "-p", String(portal.sshPort), "-t", "ed25519,rsa", "127.0.0.1"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .sort();
    const before = scan();
    expect(before.length).toBe(1); // ed25519 only: RSA would bring SHA-1 signatures with it
    await portal.restart();
    expect(scan()).toEqual(before);
    expect((await client.ssh("alice", aliceKey, ["echo after-restart"])).stdout).toBe("after-restart\n");
  });

  it("lets a right key in during a brute force on the same name from the same address", async () => {
    const stranger = client.newKey("attacker");
    const results: number[] = [];
    for (let i = 0; i < 25; i++) results.push((await client.ssh("alice", stranger, ["true"], undefined, 20_000)).code);
    expect(results.every((c) => c === 255)).toBe(true);
    // A wrong key offered is a question, not a failure: alice (behind the same address) is not locked out.
    const good = await client.ssh("alice", aliceKey, ["echo alice-got-in"]);
    expect(good.stdout).toBe("alice-got-in\n");
  });

  /**
   * An SSH login from 127.0.0.3 that waits for browser approval, denied by its user, then abandoned (OpenSSH
   * would ask again): failed logins. False once the address is refused before any approval is offered.
   */
  async function deniedLogin(user: { sub: string; username: string }): Promise<boolean> {
    const args = [...client.options(undefined, false, "INFO"), ...FROM_OTHER_ADDRESS, "-o", "PreferredAuthentications=keyboard-interactive"];
    const ssh = spawn("ssh", [...args, "-p", String(portal.sshPort), `${user.username}@127.0.0.1`, "true"], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise((resolve) => ssh.once("exit", resolve));
    let stderr = "";
    ssh.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/\/ssh\/approve\/[\w-]+|SSH logins paused/);
    if (!/\/ssh\/approve\//.test(stderr)) {
      ssh.kill("SIGTERM");
      await exited;
      return false;
    }
    const id = stderr.match(/\/ssh\/approve\/([\w-]+)/)![1]!;
    const denied = await fetch(`${portal.url}/api/ssh/approvals/${id}`, {
      method: "POST",
      headers: { cookie: await sessionCookie(SECRET, user), origin: portal.url, "content-type": "application/json" },
      body: JSON.stringify({ approve: false }),
    });
    expect(denied.status).toBe(200);
    ssh.kill("SIGTERM");
    await exited;
    return true;
  }

  /** An OpenSSH login that asks for browser approval, once its link is shown (null: refused before any link). */
  async function approvalLogin(username: string, from: string[]) {
    const args = [...client.options(undefined, false, "INFO"), ...from, "-o", "PreferredAuthentications=keyboard-interactive"];
    const ssh = spawn("ssh", [...args, "-p", String(portal.sshPort), `${username}@127.0.0.1`, "echo approved-in"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const LINK = /\/ssh\/approve\/([\w-]+)/;
    ssh.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    ssh.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      ssh.once("close", (code) => resolve({ code, stdout, stderr })),
    );
    // Settles when the link is shown, or when ssh has ended without one.
    const shown = new Promise<void>((resolve) => {
      ssh.stderr.on("data", () => LINK.test(stderr) && resolve());
      void done.then(() => resolve());
    });
    await shown;
    return {
      id: stderr.match(LINK)?.[1] ?? null,
      done,
      stop: () => ssh.kill("SIGTERM"),
    };
  }

  it("lets alice approve her own login while another address holds every approval it may for her name", async () => {
    const held: Array<Awaited<ReturnType<typeof approvalLogin>>> = [];
    try {
      for (let i = 0; i < 3; i++) {
        held.push(await approvalLogin("alice", FROM_ATTACKER));
        expect(held[i]!.id).not.toBeNull();
      }
      // That address's next one for her name is refused, and told why.
      const more = await approvalLogin("alice", FROM_ATTACKER);
      expect(more.id).toBeNull();
      const refused = await more.done;
      expect(refused.code).toBe(255);
      expect(refused.stderr).toContain("3 SSH logins from your address (127.0.0.4) already wait for approval in the browser.");

      // Alice, from her own address, is offered an approval, approves it, and is in.
      const own = await approvalLogin("alice", []);
      expect(own.id).not.toBeNull();
      const approved = await fetch(`${portal.url}/api/ssh/approvals/${own.id}`, {
        method: "POST",
        headers: { cookie: await sessionCookie(SECRET, alice), origin: portal.url, "content-type": "application/json" },
        body: JSON.stringify({ approve: true }),
      });
      expect(approved.status).toBe(200);
      const result = await own.done;
      expect(result.stdout, result.stderr).toBe("approved-in\n");
      expect(result.code).toBe(0);
    } finally {
      for (const login of held) login.stop();
      await Promise.all(held.map((login) => login.done));
    }
  });

  it("tells a login from an address past its failure limit why it is refused, and for how long", async () => {
    // Logins denied in the browser are failures (a wrong key is only a question). Two users, so neither pair's
    // growing delay slows the test; another loopback address, so the block touches no other test.
    let denials = 0;
    while (denials < FAILURES_PER_ADDRESS && (await deniedLogin(denials % 2 ? alice : bob))) denials++;
    expect(denials).toBeGreaterThan(0);
    expect(denials).toBeLessThan(FAILURES_PER_ADDRESS);
    const told = await client.sshArgs([
      ...client.options(undefined, false, "INFO"),
      ...FROM_OTHER_ADDRESS,
      "-o", "PreferredAuthentications=keyboard-interactive",
      "-p", String(portal.sshPort),
      "alice@127.0.0.1",
      "true",
    ]);
    expect(told.code).toBe(255);
    expect(told.stderr).toContain("Too many failed SSH logins came from your address (127.0.0.3).");
    expect(told.stderr).toMatch(/refused for about (10|9) more minutes; then try again/);
    expect(told.stderr).not.toContain("/ssh/approve/");
    // Alice's key from her usual address is not held back by it.
    expect((await client.ssh("alice", aliceKey, ["echo still-in"])).stdout).toBe("still-in\n");
  });

  it("cuts connections that never sign in, and caps them per address, while a real login still works", async () => {
    const idle = Array.from({ length: 500 }, () => {
      const socket = net.connect({ port: portal.sshPort, host: "127.0.0.1", localAddress: "127.0.0.1" });
      const state = { closed: false };
      socket.on("error", () => undefined);
      socket.on("close", () => (state.closed = true));
      socket.resume(); // reads (and drops) the server's greeting, so the server's close is seen
      return state;
    });
    // All but the per-address cap are closed at once; the rest wait for the login deadline.
    await expect.poll(() => idle.filter((s) => !s.closed).length, { timeout: 20_000 }).toBe(PER_ADDRESS);
    // Another address is not affected.
    const other = await client.ssh("alice", aliceKey, ["echo from-another-address"], undefined, 60_000, ["-o", "BindAddress=127.0.0.2"]);
    expect(other.stdout).toBe("from-another-address\n");
    await expect.poll(() => idle.filter((s) => !s.closed).length, { timeout: (LOGIN_TIMEOUT_SECONDS + 20) * 1000 }).toBe(0);
    expect((await client.ssh("alice", aliceKey, ["echo after-the-cut"])).stdout).toBe("after-the-cut\n");
  });

  it("opens no more than ten sessions on one connection", async () => {
    const conn = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      conn.on("ready", () => resolve()).on("error", reject);
      conn.connect({ host: "127.0.0.1", port: portal.sshPort, username: "alice", privateKey: fs.readFileSync(aliceKey) });
    });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        new Promise<string>((resolve) => {
          conn.exec("sleep 5", (error, stream) => {
            if (error) return resolve("refused");
            stream.on("close", () => undefined).resume();
            resolve("opened");
          });
        }),
      ),
    );
    conn.end();
    expect(outcomes.filter((o) => o === "opened")).toHaveLength(10);
    expect(outcomes.filter((o) => o === "refused")).toHaveLength(2);
  });

  it("offers no algorithm ssh-audit fails", () => {
    const audit = spawnSync("ssh-audit", ["-n", "-p", String(portal.sshPort), "127.0.0.1"], { encoding: "utf8", timeout: 60_000 });
    const report = audit.stdout;
    expect(report).toContain("kex-strict-s-v00@openssh.com");
    expect(report.split("\n").filter((line) => /\[fail\]/.test(line))).toEqual([]);
    expect(report).not.toMatch(/\(key\) ssh-rsa /);
  });
});
