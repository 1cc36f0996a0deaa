import type { TerminalClient } from "../lib/fixtures";

/**
 * The shell's PID, asked through the terminal, after its prompt: what is typed before tmux's client has taken the
 * terminal over can be lost. `label` keeps the answer apart from earlier ones in a replayed screen.
 */
export async function shellPid(t: TerminalClient, label: string, timeoutMs = 20_000): Promise<string> {
  await t.waitFor(/\$ /, timeoutMs);
  t.type(`echo ${label}-pid-$$\n`);
  return (await t.waitFor(new RegExp(`${label}-pid-(\\d+)`), timeoutMs))[1]!;
}
