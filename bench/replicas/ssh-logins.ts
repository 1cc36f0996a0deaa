import type { SshClient } from "../lib/fixtures";
import { sleep } from "../lib/time";
import type { SshAttempt } from "./results";

/**
 * `ssh … true` (the real OpenSSH client, with a key) started every `intervalMs` until `stop()`, each on its own
 * (a slow login does not delay the next start), each bounded to 15 s. Times are ms relative to `zero()` (the kill),
 * read when each attempt starts and ends.
 */
export function sshLogins(client: SshClient, user: string, key: string, intervalMs: number, zero: () => number) {
  const attempts: SshAttempt[] = [];
  const running: Promise<void>[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = performance.now() - zero();
      running.push(
        client.ssh(user, key, ["true"], undefined, 15_000).then((r) => {
          const error = r.code === 0 ? undefined : (r.stderr.trim().split("\n").at(-1) ?? "").slice(0, 120) || `exit ${r.code}`;
          attempts.push({ at, endedAt: performance.now() - zero(), ok: r.code === 0, ...(error ? { error } : {}) });
        }),
      );
      await sleep(intervalMs);
    }
  })();
  return {
    async stop(): Promise<SshAttempt[]> {
      stopped = true;
      await loop;
      await Promise.all(running);
      return attempts.sort((x, y) => x.at - y.at);
    },
  };
}

/** The longest stretch of the window in which no login completed successfully (the window's edges count). */
export function longestGap(attempts: readonly SshAttempt[], fromMs: number, toMs: number): number {
  const ends = attempts.filter((a) => a.ok).map((a) => a.endedAt).sort((x, y) => x - y);
  let gap = 0;
  let last = fromMs;
  for (const end of [...ends, toMs]) {
    gap = Math.max(gap, end - last);
    last = Math.max(last, end);
  }
  return gap;
}
