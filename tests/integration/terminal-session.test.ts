import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";
import { Shells } from "../../lib/terminal/shells";
import { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import { TerminalService } from "../../lib/terminal/terminal-service";
import type { TerminalClient, TerminalSession } from "../../lib/terminal/terminal-session";
import { run, workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "term-alice", username: "alice" };
const SIZE = { cols: 100, rows: 30 };

/** A client that records what it is sent and acknowledges only when told, like a browser that renders slowly. */
function recordingClient() {
  const chunks: Buffer[] = [];
  const state = { exitCode: null as number | null, displaced: false };
  const client: TerminalClient & { text(): string; bytes(): number } = {
    output: (data) => void chunks.push(data),
    replay: (data) => void chunks.push(data),
    displaced: () => void (state.displaced = true),
    exited: (code) => void (state.exitCode = code),
    text: () => Buffer.concat(chunks).toString("utf8"),
    bytes: () => chunks.reduce((n, c) => n + c.length, 0),
  };
  return { client, state };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function processes(pattern: string): Promise<string[]> {
  const out = await run(fx.manager, alice, "ps -o pid,args");
  return out.stdout.split("\n").filter((line) => line.includes(pattern) && !line.includes("ps -o"));
}

const fx = workspaceFixture();
const options = {
  replayBytes: 64 * 1024,
  highWater: 256 * 1024,
  lowWater: 64 * 1024,
  graceMs: 60_000,
  allowance: new TerminalAllowance({ maxOpen: 5, opensPerMinute: 1000 }),
};
const shells = new Shells(fx.manager);
const service = new TerminalService(fx.manager, shells, options, pino({ level: "silent" }));

afterAll(() => fx.cleanup());

describe("terminal sessions in a real workspace", () => {
  it("keeps the same shell across a detach and reattach, and replays the screen", async () => {
    const session = await service.create(alice, SIZE);
    const first = recordingClient();
    session.attach(first.client, SIZE);
    session.input(first.client, "export MARK=kept-42; echo ready-$MARK\n");
    await until(() => first.client.text().includes("ready-kept-42"));
    session.detach(first.client);

    const second = recordingClient();
    session.attach(second.client, SIZE);
    expect(second.client.text()).toContain("ready-kept-42"); // the replay
    session.input(second.client, "echo still-$MARK\n");
    await until(() => second.client.text().includes("still-kept-42"));
    await service.close(alice, session.id);
  });

  it("passes the terminal size to the shell and follows resizes", async () => {
    const session = await service.create(alice, { cols: 91, rows: 27 });
    const c = recordingClient();
    session.attach(c.client, { cols: 91, rows: 27 });
    session.input(c.client, "stty size\n");
    await until(() => c.client.text().includes("27 91"));
    await session.resize({ cols: 120, rows: 40 });
    session.input(c.client, "stty size\n");
    await until(() => c.client.text().includes("40 120"));
    await service.close(alice, session.id);
  });

  it("ends every process the shell started when the terminal is closed, sparing deliberately detached ones", async () => {
    const session = await service.create(alice, SIZE);
    const c = recordingClient();
    session.attach(c.client, SIZE);
    session.input(c.client, "sleep 1001 & nohup sleep 1002 >/dev/null 2>&1 & (sleep 1003 &) ; setsid sleep 1004 & echo started\n");
    await until(() => c.client.text().includes("started"));
    await until(async () => (await processes("sleep 100")).length === 4);
    await service.close(alice, session.id);
    const left = await processes("sleep 100");
    expect(left.map((l) => l.trim().split(/\s+/).slice(1).join(" "))).toEqual(["sleep 1004"]);
    await run(fx.manager, alice, "pkill -f 'sleep 1004'");
    expect(await processes("portal-terminal")).toEqual([]);
  });

  it("tells the client when the shell exits, and cleans up what it left", async () => {
    const session = await service.create(alice, SIZE);
    const c = recordingClient();
    session.attach(c.client, SIZE);
    session.input(c.client, "sleep 1005 & exit 7\n");
    await until(() => c.state.exitCode !== null);
    expect(c.state.exitCode).toBe(7);
    await until(async () => (await processes("sleep 1005")).length === 0);
    expect(service.get(alice, session.id)).toBeUndefined();
  });

  it("pauses a flooding shell when the client stops acknowledging, and Ctrl-C stops it", async () => {
    const session = await service.create(alice, SIZE);
    const c = recordingClient();
    session.attach(c.client, SIZE);
    session.input(c.client, "yes flood-line\n");
    await until(() => c.client.bytes() > options.highWater);
    await new Promise((r) => setTimeout(r, 500));
    const stalled = c.client.bytes();
    await new Promise((r) => setTimeout(r, 500));
    // Paused: nothing more than what was already in flight arrives while nothing is acknowledged.
    expect(c.client.bytes() - stalled).toBeLessThan(128 * 1024);
    expect(c.client.bytes()).toBeLessThan(options.highWater + 512 * 1024);

    session.ack(c.client, c.client.bytes()); // the browser caught up
    await until(() => c.client.bytes() > stalled + options.highWater);
    session.input(c.client, "\x03");
    session.ack(c.client, 64 * 1024 * 1024);
    const marker = "after-ctrl-c";
    await new Promise((r) => setTimeout(r, 300));
    session.input(c.client, `echo ${marker}\n`);
    await until(() => {
      session.ack(c.client, 64 * 1024 * 1024);
      return c.client.text().slice(-2000).includes(marker);
    });
    await service.close(alice, session.id);
  });

  it("ends a terminal nobody reattaches to within the grace period", async () => {
    const quick = new TerminalService(fx.manager, shells, { ...options, graceMs: 800 }, pino({ level: "silent" }));
    const session: TerminalSession = await quick.create(alice, SIZE);
    const c = recordingClient();
    session.attach(c.client, SIZE);
    session.input(c.client, "sleep 1006 & echo bg\n");
    await until(() => c.client.text().includes("bg"));
    session.detach(c.client);
    await until(async () => quick.get(alice, session.id) === undefined && (await processes("sleep 1006")).length === 0, 8000);
  });

  it("keeps users to their own terminals", async () => {
    const session = await service.create(alice, SIZE);
    const bob = { sub: "term-bob", username: "bob" };
    expect(service.get(bob, session.id)).toBeUndefined();
    expect(await service.close(bob, session.id)).toBe(false);
    expect(service.list(bob)).toEqual([]);
    expect(service.list(alice).map((t) => t.id)).toContain(session.id);
    await service.close(alice, session.id);
  });
});

describe("bulk output while somebody types", () => {
  const RATE = 32 * 1024;
  const paced = new TerminalService(
    fx.manager,
    shells,
    { ...options, highWater: 64 * 1024 * 1024, lowWater: 1024 * 1024, pacer: new OutputPacer({ interactiveMs: 1000, attentionMs: 1500, bulkBytesPerSecond: RATE }) },
    pino({ level: "silent" }),
  );

  /** Bytes a terminal printing `yes` delivers in `ms`, acknowledged at once like a fast browser. */
  async function delivered(flood: ReturnType<typeof recordingClient>, ms: number, whileTyping?: () => void): Promise<number> {
    const before = flood.client.bytes();
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      whileTyping?.();
      await new Promise((r) => setTimeout(r, 50));
    }
    return flood.client.bytes() - before;
  }

  const pacedBound = (seconds: number) => seconds * RATE + 128 * 1024;

  it("runs a flood free while alone, paces it once another terminal opens, releases it when typed into or alone again", async () => {
    const floodSession = await paced.create(alice, SIZE);
    const flood = recordingClient();
    floodSession.attach(flood.client, SIZE);
    floodSession.input(flood.client, "yes\n");
    await until(() => flood.client.bytes() > 1024 * 1024);
    await new Promise((r) => setTimeout(r, 1100)); // the flood's own typing is over
    // Paced: at most the budget, a burst and what was in flight. Free: more in one second than pacing lets
    // through in one, by a margin a busy machine's slower stream still clears.
    expect(await delivered(flood, 1000)).toBeGreaterThan(pacedBound(1)); // alone

    // Another terminal opens; nobody has typed into it yet, and the flood is paced already.
    const typing = await paced.create(alice, SIZE);
    const typist = recordingClient();
    typing.attach(typist.client, SIZE);
    expect(await delivered(flood, 2000)).toBeLessThan(pacedBound(2));
    let n = 0;
    expect(await delivered(flood, 2000, () => typing.input(typist.client, n++ % 2 ? "\x7f" : "x"))).toBeLessThan(pacedBound(2));
    expect(typist.client.text()).toContain("x"); // the typist's echo kept coming

    // A keystroke into the flood (its owner coming back to it) lets it go at once.
    const before = flood.client.bytes();
    floodSession.input(flood.client, "\r");
    await until(() => flood.client.bytes() - before > pacedBound(1), 5000);

    await paced.close(alice, typing.id); // alone again
    await new Promise((r) => setTimeout(r, 1100));
    expect(await delivered(flood, 1000)).toBeGreaterThan(pacedBound(1));
    floodSession.input(flood.client, "\x03");
    await paced.close(alice, floodSession.id);
  });

  it("delivers a paced flood whole and in order", async () => {
    const other = await paced.create(alice, SIZE);
    other.attach(recordingClient().client, SIZE);
    const session = await paced.create(alice, SIZE);
    const client = recordingClient();
    session.attach(client.client, SIZE);
    session.input(client.client, "seq 1 200000; echo seq-ended\n");
    // About 1.3 MB: the first mebibyte runs free, the rest is paced; closing the other terminal lets it finish.
    await new Promise((r) => setTimeout(r, 2500));
    await paced.close(alice, other.id);
    await until(() => /^seq-ended/m.test(client.client.text()), 60_000);
    const numbers = client.client
      .text()
      .split(/\r?\n/)
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    expect(numbers.length).toBe(200_000);
    expect(numbers.every((value, i) => value === i + 1)).toBe(true);
    await paced.close(alice, session.id);
  });
});
