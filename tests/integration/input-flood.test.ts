import { spawn } from "node:child_process";
import fs from "node:fs";
import { Readable } from "node:stream";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSshKey } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "input-flood-secret-input-flood-secret-0123";
const RATE_KB = 64; // four seconds of it, 256 KiB, at once
const MiB = 1024 ** 2;
const ann = { sub: "flood-ann", username: "ann" };
const bob = { sub: "flood-bob", username: "bob" };

/** The portal process's resident memory, from the kernel. */
function rssBytes(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) * 1024;
}

interface Terminal {
  socket: Socket;
  output(): string;
  problems: { code: string; message: string }[];
  /** Types a line and waits until `expected` shows in the terminal's output. */
  run(line: string, expected: string): Promise<void>;
}

describe("a user flooding terminals and SSH channels costs their own session, never the portal", () => {
  let portal: PortalProcess;
  let ssh: SshClient;
  let annKey: string;
  let startRss = 0;
  let peakRss = 0;
  const sample = () => {
    const rss = rssBytes(portal.pid()!);
    peakRss = Math.max(peakRss, rss);
    return rss;
  };

  /** A terminal as the page opens one, acknowledging what it shows as the page does. */
  const openTerminal = async (user: { sub: string; username: string }): Promise<Terminal> => {
    const socket = io(portal.url, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { cookie: await sessionCookie(SECRET, user), origin: portal.url },
      auth: { cols: 200, rows: 50 },
      reconnection: false,
    });
    let output = "";
    const problems: Terminal["problems"] = [];
    const decoder = new TextDecoder();
    socket.on("output", (data: ArrayBuffer) => {
      output += decoder.decode(new Uint8Array(data), { stream: true });
      socket.emit("ack", data.byteLength);
    });
    socket.on("problem", (p: { code: string; message: string }) => problems.push(p));
    await new Promise<void>((resolve, reject) => {
      socket.on("attached", () => resolve());
      socket.on("fatal", (p: { message: string }) => reject(new Error(p.message)));
      socket.on("connect_error", reject);
    });
    const terminal: Terminal = {
      socket,
      output: () => output,
      problems,
      run: async (line, expected) => {
        socket.emit("input", `${line}\r`);
        await expect.poll(() => output, { timeout: 30_000 }).toContain(expected);
      },
    };
    return terminal;
  };

  /** A terminal whose shell reads and throws away everything typed (echo off), as a flooded program would. */
  const swallowing = async (user: { sub: string; username: string }) => {
    const terminal = await openTerminal(user);
    // The marker is split so that the typed line's own echo does not match it.
    await terminal.run(`stty raw -echo; echo swallow""ing; exec cat > /dev/null`, "swallowing");
    return terminal;
  };

  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET, TERMINAL_INPUT_RATE_KB: String(RATE_KB) });
    ssh = new SshClient(portal.sshPort);
    annKey = ssh.newKey("ann");
    await addSshKey(portal.url, await sessionCookie(SECRET, ann), ssh.publicKey(annKey));
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  it("refuses input past the byte budget and says so, while another user's terminal keeps echoing", async () => {
    const bobs = await openTerminal(bob);
    await bobs.run("echo bob-$((6*7))", "bob-42");
    const flooded = await swallowing(ann);
    startRss = sample();

    // 1300 messages of 64 Ki three-byte characters: 244 MiB, below the message budget (2000 at once), far above
    // the byte budget (256 KiB at once, then 64 KiB a second).
    const chunk = "€".repeat(64 * 1024);
    for (let i = 0; i < 1300; i++) flooded.socket.emit("input", chunk);
    // Messages are handled in order: the answer to an unknown event comes once every message before it has been.
    flooded.socket.emit("flood-sent");
    await expect.poll(() => flooded.problems.map((p) => p.message).join("\n"), { timeout: 120_000 }).toContain('Unknown terminal event "flood-sent"');
    sample();

    expect(flooded.problems.filter((p) => p.code === "rate_limited").map((p) => p.message)).toContain(
      "Too much input at once (more than 64 KiB a second): some of what was sent did not reach the shell.",
    );
    // Told at most once a second, not once per refused message.
    expect(flooded.problems.filter((p) => p.code === "rate_limited").length).toBeLessThan(100);
    await bobs.run("echo bob-$((7*8))", "bob-56");
    console.log(`244 MiB of input sent; portal RSS ${(startRss / MiB).toFixed(0)} → peak ${(peakRss / MiB).toFixed(0)} MiB`);
    expect(sample() - startRss).toBeLessThan(200 * MiB);
    expect(peakRss - startRss).toBeLessThan(200 * MiB);
    flooded.socket.close();
    bobs.socket.close();
  });

  it("refuses messages past the message budget and says so, while another user's terminal keeps echoing", async () => {
    const bobs = await openTerminal(bob);
    const flooded = await swallowing(ann);
    // Ten thousand one-byte messages: far below the byte budget, five times the message budget's burst.
    for (let i = 0; i < 10_000; i++) flooded.socket.emit("input", "a");
    await expect
      .poll(() => flooded.problems.map((p) => p.message), { timeout: 60_000 })
      .toContain("Too many messages at once (more than 500 a second): some of what was sent did not reach the shell.");
    await bobs.run("echo bob-$((8*9))", "bob-72");
    expect(sample() - startRss).toBeLessThan(200 * MiB);
    flooded.socket.close();
    bobs.socket.close();
  });

  it("holds an SSH channel's unread stdin back at the client (the channel window), not in the portal", async () => {
    // OpenSSH sends stdin as fast as the channel's window lets it; the command never reads it. The pump counts
    // what ssh has taken from its stdin.
    let pulled = 0;
    const zeros = Buffer.alloc(64 * 1024);
    const pump = new Readable({
      read() {
        pulled += zeros.length;
        this.push(zeros);
      },
    });
    const child = spawn("ssh", [...ssh.options(annKey), "-p", String(portal.sshPort), "ann@127.0.0.1", "echo ready; exec sleep 15"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.on("error", () => undefined); // the command ends with its stdin unread
    pump.pipe(child.stdin);
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const before = sample();
    peakRss = before;
    await expect.poll(() => stdout, { timeout: 30_000 }).toContain("ready");
    // Memory while the flood pushes, until the command ends by itself.
    let ended = false;
    void exited.then(() => (ended = true));
    while (!ended) {
      sample();
      await new Promise((r) => setTimeout(r, 250));
    }
    pump.unpipe(child.stdin);
    pump.destroy();
    expect(await exited).toBe(0);
    // Bounded by the channel's window and the buffers on the way (ssh's, the portal's, Docker's, the pipe's),
    // whatever the flood's length: without backpressure OpenSSH sends hundreds of megabytes a second.
    console.log(`ssh took ${(pulled / MiB).toFixed(1)} MiB of stdin; portal RSS ${(before / MiB).toFixed(0)} → peak ${(peakRss / MiB).toFixed(0)} MiB`);
    expect(pulled).toBeLessThan(32 * MiB);
    expect(peakRss - before).toBeLessThan(200 * MiB);
  });
});
