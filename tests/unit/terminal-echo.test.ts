import { PassThrough, Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ExecProcess } from "../../lib/runtime/runtime";
import { TerminalSession, type TerminalClient } from "../../lib/terminal/terminal-session";

/** A shell behind a TTY as far as echo goes: every byte typed comes straight back on its output. */
function echoingShell() {
  const stdout = new PassThrough();
  const stdin = new Writable({ write: (chunk, _e, done) => (stdout.write(chunk), done()) });
  const proc = {
    id: "fake",
    stdin,
    stdout,
    stderr: new PassThrough(),
    resize: async () => {},
    wait: () => new Promise<number>(() => {}),
    detach: () => {},
  } as unknown as ExecProcess;
  return { proc, stdout };
}

// Streams hand data on in later turns of the event loop; the clock (timers, performance.now) stands still.
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => process.nextTick(r));
};

describe("a keystroke's echo in a web terminal", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reaches the browser at once when typed right after other output, not after the batching window", async () => {
    const { proc, stdout } = echoingShell();
    const shown: string[] = [];
    const client: TerminalClient = { output: (d) => void shown.push(d.toString()), replay: () => {}, displaced: () => {}, exited: () => {} };
    const session = new TerminalSession("t1", "sub", proc, { cols: 80, rows: 24 }, { replayBytes: 1024, highWater: 1 << 20, lowWater: 1 << 18, graceMs: 60_000 }, async () => {}, pino({ level: "silent" }));
    session.attach(client, { cols: 80, rows: 24 });
    // A prompt drawn in two writes: the second, within the window, is gathered and would wait for the timer.
    stdout.write("$");
    await turns();
    stdout.write(" ");
    await turns();
    expect(shown).toEqual(["$"]);
    expect(session.input(client, "l")).toBe("sent");
    await turns();
    // No time has passed: the gathered part and the echo are both on the screen, in order.
    expect(shown.join("")).toBe("$ l");
  });
});
