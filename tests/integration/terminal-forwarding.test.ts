import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile } from "../../bench/lib/stats";
import { startPortalReplicas, type PortalReplicas } from "../support/portal-replicas";
import { sessionCookie } from "../support/session-cookie";
import { echoInTurns, openTerminal, type TerminalClient } from "../support/terminal-client";

const SECRET = "forwarding-secret-forwarding-secret-01234";
const ada = { sub: "fwd-ada", username: "ada" };
const bo = { sub: "fwd-bo", username: "bo" };
const ECHO_SAMPLES = Number(process.env.ECHO_SAMPLES ?? 40);

/** The shell's PID, asked through the terminal. */
async function shellPid(t: TerminalClient, label: string): Promise<string> {
  t.type(`echo ${label}-pid-$$\n`);
  return (await t.waitFor(new RegExp(`${label}-pid-(\\d+)`)))[1]!;
}

/** Types `line` again until `expected` shows: resizes are applied a little later, coalesced. */
async function untilShown(t: TerminalClient, line: string, expected: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    t.type(line);
    try {
      await t.waitFor(expected, 1000);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}


// The test image has no tmux: a terminal whose process died ends, says why, and a new one opens.
describe("web terminals across portal processes sharing one database", () => {
  let replicas: PortalReplicas;
  let cookie: string;
  const urls = () => replicas.processes.map((p) => p.url);

  beforeAll(async () => {
    replicas = await startPortalReplicas(2, { AUTH_SECRET: SECRET });
    cookie = await sessionCookie(SECRET, ada);
  });
  afterAll(async () => {
    await replicas?.cleanup();
  });

  it("forwards a browser that comes back through another process to the same shell, screen replayed", async () => {
    const [a, b] = urls() as [string, string];
    const first = await openTerminal(a, cookie);
    const pid = await shellPid(first, "a");
    first.type("export MARK=kept-7; echo marked-$MARK\n");
    await first.waitFor("marked-kept-7");
    first.close();

    const again = await openTerminal(b, cookie, { terminalId: first.id });
    expect(again.id).toBe(first.id);
    await again.waitFor("marked-kept-7"); // the replay, from the process holding it
    expect(await shellPid(again, "b")).toBe(pid);
    again.type("echo still-$MARK\n");
    await again.waitFor("still-kept-7");
    // Input, resize and output all pass: the size asked through B reaches the shell held by A.
    again.socket.emit("resize", { cols: 97, rows: 33 });
    await untilShown(again, "stty size\n", "33 97");
    again.close();
  });

  it("forwards nobody else's terminal, and refuses a forwarded connection without a valid token", async () => {
    const [a, b] = urls() as [string, string];
    const mine = await openTerminal(a, cookie);
    const end = await openTerminal(b, await sessionCookie(SECRET, bo), { terminalId: mine.id, expectEnd: true });
    expect(end.code).toBe("gone");

    const forged = io(a, {
      path: "/terminal-io",
      transports: ["websocket"],
      extraHeaders: { "x-portal-terminal-relay": "e30.AAAA" },
      auth: { cols: 80, rows: 24, terminalId: mine.id },
      reconnection: false,
    });
    const refused = await new Promise<boolean>((resolve) => {
      forged.on("connect_error", () => resolve(true));
      forged.on("attached", () => resolve(false));
    });
    forged.close();
    expect(refused).toBe(true);
    mine.close();
  });

  it("measures keystroke echo, forwarded against direct", async () => {
    const [a, b] = urls() as [string, string];
    const direct = await openTerminal(a, cookie);
    await shellPid(direct, "d");
    const held = await openTerminal(a, cookie);
    await shellPid(held, "h");
    held.close();
    const forwarded = await openTerminal(b, cookie, { terminalId: held.id });
    await shellPid(forwarded, "f");

    const [d, f] = await echoInTurns(direct, forwarded, ECHO_SAMPLES);
    const figures = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
    console.log(`keystroke echo (${ECHO_SAMPLES} each): direct ${figures(d)}; forwarded ${figures(f)}`);
    expect(d).toHaveLength(ECHO_SAMPLES);
    expect(f).toHaveLength(ECHO_SAMPLES);
    direct.close();
    forwarded.close();
  });

  it("when the holding process is killed, each terminal says why through the other and a new one opens", async () => {
    const [a, b] = urls() as [string, string];
    const held: TerminalClient[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await openTerminal(a, cookie);
      t.type(`echo open-${i}\n`);
      await t.waitFor(`open-${i}`);
      held.push(t);
    }
    await replicas.processes[0]!.stop("SIGKILL");
    for (const t of held) expect((await t.ended).code).toBe("disconnected");

    for (const t of held) {
      const end = await openTerminal(b, cookie, { terminalId: t.id, expectEnd: true });
      expect(end.code).toBe("owner_gone");
      expect(end.message).toMatch(/portal server stopped/);
      // What the page does then: a new terminal, on the process that is left.
      const fresh = await openTerminal(b, cookie);
      fresh.type("echo fresh-$((40+2))\n");
      await fresh.waitFor("fresh-42");
      fresh.close();
    }
  });
});
