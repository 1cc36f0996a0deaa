import { openTerminal, type PortalReplicas, type TerminalClient } from "../lib/fixtures";
import { progress } from "../lib/progress";
import type { EchoComparison } from "./results";
import { shellPid } from "./shell-pid";

/**
 * Keystroke to echo on two terminals of the same workspace, both held in tmux by the first process: one used
 * through it (direct), one closed and opened again through the second process (forwarded to its holder). Sampled
 * in turns, so a busy moment of the machine costs both alike; the line is cleared every 50 keystrokes.
 */
export async function measureEchoForwarded(replicas: PortalReplicas, cookie: string, samples: number): Promise<EchoComparison> {
  const [a, b] = replicas.processes.map((p) => p.url) as [string, string];
  const opened: TerminalClient[] = [];
  try {
    const direct = await openTerminal(a, cookie);
    opened.push(direct);
    await shellPid(direct, "d", 120_000);
    const held = await openTerminal(a, cookie);
    opened.push(held);
    await shellPid(held, "h");
    held.close();
    const forwarded = await openTerminal(b, cookie, { terminalId: held.id });
    opened.push(forwarded);
    await shellPid(forwarded, "f");
    const result: EchoComparison = { direct: [], forwarded: [] };
    for (let i = 0; i < samples; i++) {
      for (const [t, into] of [[direct, result.direct], [forwarded, result.forwarded]] as const) {
        const shown = t.nextOutput();
        const at = performance.now();
        t.type("x");
        await shown;
        into.push(performance.now() - at);
      }
      if (i % 50 === 49) {
        for (const t of [direct, forwarded]) {
          t.type("\x15"); // Ctrl-U: the line of x's goes
          t.type(`echo cleared-${i}-$((1+1))\n`);
          await t.waitFor(`cleared-${i}-2`);
        }
      }
    }
    progress(`echo: ${samples} keystrokes each, direct and forwarded`);
    return result;
  } finally {
    for (const t of opened) {
      // Closed for good (its tmux session goes), so the takeover phase counts only its own terminals.
      t.socket.emit("close-terminal");
      t.close();
    }
  }
}
