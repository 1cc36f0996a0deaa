import { openTerminal, SshClient, type PortalReplicas, type TerminalClient } from "../lib/fixtures";
import { onCleanup } from "../lib/cleanup";
import { progress } from "../lib/progress";
import { sleep, withTimeout } from "../lib/time";
import type { ReplicasBenchConfig } from "./config";
import type { TakeoverResult, TerminalBack } from "./results";
import { shellPid } from "./shell-pid";
import { addSshKey } from "./ssh-key";
import { sshLogins } from "./ssh-logins";

interface Held {
  t: TerminalClient;
  pid: string;
}

/**
 * kill -9 of the process holding `terminals` terminals (shells in tmux in the workspace), then every terminal
 * opened again by its id through the survivor, all at once, each retried until it attaches and its shell answers
 * with the PID it had before: the time from the kill to that answer. Meanwhile an SSH login (`ssh … true`, another
 * user, a key) is started against the survivor every `sshIntervalMs`, from `sshBeforeSeconds` before the kill to
 * `sshAfterSeconds` after it.
 */
export async function measureTakeover(
  replicas: PortalReplicas,
  cookies: { terminals: string; ssh: string },
  sshUser: string,
  cfg: ReplicasBenchConfig,
): Promise<TakeoverResult> {
  const [victim, survivor] = replicas.processes as [PortalReplicas["processes"][0], PortalReplicas["processes"][0]];
  const client = new SshClient(survivor.sshPort);
  const forget = onCleanup("ssh client keys", async () => client.cleanup());
  const held: Held[] = [];
  try {
    const key = client.newKey(sshUser);
    await addSshKey(survivor.url, cookies.ssh, client.publicKey(key));
    // The first login starts the SSH user's workspace: it is running before the window opens.
    const first = await client.ssh(sshUser, key, ["true"], undefined, 180_000);
    if (first.code !== 0) throw new Error(`the first SSH login failed (${first.code}): ${first.stderr.trim()}`);

    for (let i = 0; i < cfg.terminals; i++) {
      const t = await openTerminal(victim.url, cookies.terminals);
      held.push({ t, pid: await shellPid(t, `t${i}`, 120_000) });
    }
    progress(`takeover: ${held.length} terminals held by ${victim.url}; SSH logins to ${survivor.url}'s gateway every ${cfg.sshIntervalMs} ms`);

    let killAt = performance.now() + cfg.sshBeforeSeconds * 1000;
    const logins = sshLogins(client, sshUser, key, cfg.sshIntervalMs, () => killAt);
    await sleep(Math.max(0, killAt - performance.now()));
    killAt = performance.now();
    await victim.stop("SIGKILL");
    const killMs = performance.now() - killAt;
    progress(`takeover: ${victim.url} killed (SIGKILL) in ${killMs.toFixed(0)} ms; reopening ${held.length} terminals through ${survivor.url}`);

    const deadline = killAt + cfg.backWaitSeconds * 1000;
    const terminals = await Promise.all(held.map((h, i) => reattach(survivor.url, cookies.terminals, h, i, killAt, deadline)));
    await sleep(Math.max(0, killAt + cfg.sshAfterSeconds * 1000 - performance.now()));
    const ssh = await logins.stop();
    const back = terminals.filter((t) => t.backMs !== undefined).length;
    progress(`takeover: ${back} of ${terminals.length} terminals back; ${ssh.filter((a) => a.ok).length} of ${ssh.length} SSH logins succeeded`);
    return {
      terminals,
      waitSeconds: cfg.backWaitSeconds,
      killMs,
      ssh,
      sshWindow: { fromMs: -cfg.sshBeforeSeconds * 1000, toMs: cfg.sshAfterSeconds * 1000 },
    };
  } finally {
    forget();
    client.cleanup();
  }
}

/** One terminal opened again by its id through `url` until its own shell answers, or the deadline passes. */
async function reattach(url: string, cookie: string, h: Held, i: number, killAt: number, deadline: number): Promise<TerminalBack> {
  const result: TerminalBack = { attempts: 0 };
  while (performance.now() < deadline) {
    result.attempts += 1;
    let again: TerminalClient | undefined;
    try {
      const left = Math.max(1000, deadline - performance.now());
      again = await withTimeout(openTerminal(url, cookie, { terminalId: h.t.id }), left, `terminal ${i} reattached`);
      result.attachedMs = performance.now() - killAt;
      const pid = await shellPid(again, `again${i}`, Math.max(1000, deadline - performance.now()));
      if (pid === h.pid) result.backMs = performance.now() - killAt;
      else result.otherShell = true;
      again.socket.emit("close-terminal");
      again.close();
      return result;
    } catch (error) {
      result.lastError = error instanceof Error ? error.message.split("\n")[0] : String(error);
      again?.close();
      await sleep(200);
    }
  }
  return result;
}
