import { PassThrough, Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ExecProcess } from "../../lib/runtime/runtime";
import { TerminalSession, type TerminalClient } from "../../lib/terminal/terminal-session";

/** An exec whose stdin nobody reads (a shell in `stty raw; sleep 300`), with every resize recorded. */
function stuckProcess() {
  const resizes: string[] = [];
  const stdin = new Writable({ highWaterMark: 16 * 1024, write: () => {} }); // never calls back: never drains
  const proc: ExecProcess = {
    id: "fake",
    stdin,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    resize: async (cols, rows) => void resizes.push(`${cols}x${rows}`),
    wait: () => new Promise<number>(() => {}),
    detach: () => {},
  } as ExecProcess;
  return { proc, stdin, resizes };
}

const client: TerminalClient = { output: () => {}, replay: () => {}, displaced: () => {}, exited: () => {} };

function session(proc: ExecProcess, extra: { maxQueuedInput?: number; resizeIntervalMs?: number } = {}) {
  const s = new TerminalSession("t1", "sub", proc, { cols: 80, rows: 24 }, { replayBytes: 1024, highWater: 1 << 20, lowWater: 1 << 18, graceMs: 60_000, ...extra }, async () => {}, pino({ level: "silent" }));
  s.attach(client, { cols: 80, rows: 24 });
  return s;
}

describe("what a terminal holds for a shell that does not read", () => {
  it("stops taking input once the shell has left a bounded amount unread, and says so", () => {
    const { proc, stdin } = stuckProcess();
    const s = session(proc, { maxQueuedInput: 256 * 1024 });
    const chunk = "x".repeat(64 * 1024);
    const outcomes: string[] = [];
    for (let i = 0; i < 4000; i++) outcomes.push(s.input(client, chunk));
    // 250 MiB sent; what the portal holds stays within the bound plus one message.
    expect(stdin.writableLength).toBeLessThanOrEqual(256 * 1024 + chunk.length);
    expect(outcomes.filter((o) => o === "sent").length).toBe(4);
    expect(outcomes.at(-1)).toBe("backlog");
  });

  it("takes input again once the shell reads what was queued", async () => {
    let release: (() => void) | null = null;
    const stdin = new Writable({ highWaterMark: 1024, write: (_c, _e, done) => void (release = done) });
    const { proc } = stuckProcess();
    const s = session({ ...proc, stdin } as ExecProcess, { maxQueuedInput: 4096 });
    while (s.input(client, "y".repeat(1024)) === "sent");
    expect(s.input(client, "z")).toBe("backlog");
    // The shell reads: every queued write completes.
    while (stdin.writableLength > 0) {
      (release as unknown as () => void)();
      await new Promise((r) => setImmediate(r));
    }
    expect(s.input(client, "z")).toBe("sent");
  });

  it("ignores input from a client that is not the one attached", () => {
    const { proc, stdin } = stuckProcess();
    const s = session(proc);
    const stranger: TerminalClient = { output: () => {}, replay: () => {}, displaced: () => {}, exited: () => {} };
    expect(s.input(stranger, "rm -rf ~\n")).toBe("ignored");
    expect(stdin.writableLength).toBe(0);
  });
});

describe("resizes", () => {
  it("turns a burst of 2,000 resizes into a few Docker calls that end on the latest size", async () => {
    const { proc, resizes } = stuckProcess();
    const s = session(proc, { resizeIntervalMs: 50 });
    await new Promise((r) => setTimeout(r, 10));
    resizes.length = 0;
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 2000; i++) last = s.resize({ cols: 100 + (i % 300), rows: 30 + (i % 50) });
    await last;
    expect(resizes.length).toBeLessThanOrEqual(3);
    expect(resizes.at(-1)).toBe(`${100 + (1999 % 300)}x${30 + (1999 % 50)}`);
  });
});
