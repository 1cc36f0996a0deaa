import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile } from "../../bench/lib/stats";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortalReplicas, type PortalReplicas } from "../support/portal-replicas";
import { sessionCookie } from "../support/session-cookie";
import { echoInTurns, openTerminal, type TerminalClient } from "../support/terminal-client";

const SECRET = "takeover-secret-takeover-secret-takeover-0";
const ada = { sub: "takeover-ada", username: "ada" };
const TERMINALS = 3;
const ECHO_SAMPLES = Number(process.env.ECHO_SAMPLES ?? 40);

/**
 * Its prompt first: what is typed before tmux's client has taken the terminal over (the first milliseconds of a
 * new terminal) can be lost, as in any tmux started under a terminal that is already being typed into.
 */
async function shellPid(t: TerminalClient, label: string): Promise<string> {
  await t.waitFor(/\$ /);
  t.type(`echo ${label}-pid-$$\n`);
  return (await t.waitFor(new RegExp(`${label}-pid-(\\d+)`)))[1]!;
}


const figures = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;

// The full workspace image has tmux: where processes share the store, each shell lives in a tmux session in the
// workspace, and outlives the portal process that opened it.
describe("terminals held in the workspace outlive the portal process that opened them", () => {
  let replicas: PortalReplicas;
  let cookie: string;

  beforeAll(async () => {
    // A third process holds its shells the old way, to weigh what tmux costs on the same workspace.
    replicas = await startPortalReplicas(3, { AUTH_SECRET: SECRET, WORKSPACE_IMAGE }, { perProcess: { 2: { TERMINAL_HELD_IN_WORKSPACE: "false" } } });
    cookie = await sessionCookie(SECRET, ada);
  });
  afterAll(async () => {
    await replicas?.cleanup();
  });

  it("measures keystroke echo of a held shell, direct and forwarded", async () => {
    const [a, b] = replicas.processes.map((p) => p.url) as [string, string];
    const direct = await openTerminal(a, cookie);
    await shellPid(direct, "d");
    const forwarded = await openTerminal(b, cookie, { terminalId: (await openTerminal(a, cookie).then((t) => (t.close(), t))).id });
    await shellPid(forwarded, "f");
    const [d, f] = await echoInTurns(direct, forwarded, ECHO_SAMPLES);
    console.log(`keystroke echo, held in tmux (${ECHO_SAMPLES} each): direct ${figures(d)}; forwarded ${figures(f)}`);
    expect(d).toHaveLength(ECHO_SAMPLES);
    const plain = await openTerminal(replicas.processes[2]!.url, cookie);
    await shellPid(plain, "p");
    const [held, notHeld] = await echoInTurns(direct, plain, ECHO_SAMPLES);
    console.log(`keystroke echo, direct (${ECHO_SAMPLES} each): held in tmux ${figures(held)}; not held ${figures(notHeld)}`);
    plain.type("echo tmux-$TMUX-pane\n");
    await plain.waitFor("tmux--pane"); // not in tmux: $TMUX is empty
    direct.type("[ -n \"$TMUX\" ] && echo in-tmux-$((1+1))\n");
    await direct.waitFor("in-tmux-2");
    plain.close();
    direct.close();
    forwarded.close();
    // Closed for good: the tmux session goes with it, so nothing is left to take over.
    const closing = await openTerminal(a, cookie);
    await closing.waitFor("$");
    const gone = new Promise<void>((done) => closing.socket.once("disconnect", () => done()));
    closing.socket.emit("close-terminal");
    await gone;
    const check = await openTerminal(b, cookie);
    await check.waitFor(/\$ /);
    check.type(`tmux -L scitex-portal has-session -t =${closing.id} 2>/dev/null && echo still-held || echo none-$((20+1))\n`);
    await check.waitFor("none-21");
    check.close();
  });

  it("after kill -9 of the holder, each terminal comes back through the other process: same shell, output printed meanwhile", async () => {
    const [a, b] = replicas.processes.map((p) => p.url) as [string, string];
    const held: { t: TerminalClient; pid: string }[] = [];
    for (let i = 0; i < TERMINALS; i++) {
      const t = await openTerminal(a, cookie);
      const pid = await shellPid(t, `t${i}`);
      // More lines than the screen has rows (30): the first ones are in tmux's history only, off its screen.
      t.type(`for n in $(seq 1 60); do echo early-${i}-$n-line; done\n`);
      await t.waitFor(`early-${i}-60-line`);
      // Prints only once the test says so, which is after its portal process is dead.
      t.type(`echo waiting-${i}-$((2*2)); while [ ! -e /tmp/go-${i} ]; do sleep 0.1; done; echo meanwhile-${i}-$((6*7)); touch /tmp/done-${i}\n`);
      await t.waitFor(`waiting-${i}-4`); // the shell has it: the kill below cannot overtake the line
      held.push({ t, pid });
    }
    await replicas.processes[0]!.stop("SIGKILL");
    for (const { t } of held) expect((await t.ended).code).toBe("disconnected");

    const helper = await openTerminal(b, cookie);
    await helper.waitFor(/\$ /);
    helper.type(`touch /tmp/go-{0..${TERMINALS - 1}}; for i in {0..${TERMINALS - 1}}; do while [ ! -e /tmp/done-$i ]; do sleep 0.1; done; done; echo all-$((3*11))\n`);
    await helper.waitFor("all-33");
    helper.close();

    const backIn: number[] = [];
    for (const [i, { t, pid }] of held.entries()) {
      const at = performance.now();
      const again = await openTerminal(b, cookie, { terminalId: t.id });
      await again.waitFor(`meanwhile-${i}-42`);
      // What had scrolled off the screen before the kill comes back too, ahead of the screen tmux draws.
      expect(again.text()).toContain(`early-${i}-1-line`);
      backIn.push(performance.now() - at);
      expect(again.id).toBe(t.id);
      expect(await shellPid(again, `again${i}`)).toBe(pid);
      again.close();
    }
    console.log(`back after the kill (${TERMINALS} terminals): ${backIn.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  });
});
