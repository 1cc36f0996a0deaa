import { randomBytes } from "node:crypto";
import type { BenchTerminal, TerminalSize } from "../lib/clients/bench-terminal";
import { openTerminal } from "../lib/clients/open-terminal";
import type { BenchPortal } from "../lib/portal";
import { rssMiB } from "../lib/rss";
import { sleep } from "../lib/time";

// The bench portal allows this many terminals per user (TERMINAL_MAX_PER_USER): more users, more terminals.
const PER_USER = 50;
const OPENING_AT_ONCE = 10;

/**
 * What idle open terminals cost the portal's process: its resident memory with the users' workspaces running
 * and no terminal open, then with `count` terminals open and idle at a prompt, a few seconds after the last.
 */
export async function measureIdleTerminals(portal: BenchPortal, count: number, size: TerminalSize) {
  const users = Array.from({ length: Math.ceil(count / PER_USER) }, (_, i) => `idle${i}-${randomBytes(2).toString("hex")}`);
  const targets = await Promise.all(
    users.map(async (username) => ({ kind: "portal" as const, url: portal.url, cookie: await portal.cookieFor({ sub: `bench-${username}`, username }) })),
  );
  // Start each workspace with one terminal, then close it: the containers are not what is measured.
  for (const target of targets) await (await openTerminal(target, size, 180_000)).close();
  await sleep(3000);
  const before = rssMiB(portal.process.pid());
  const open: BenchTerminal[] = [];
  try {
    for (let i = 0; i < count; i += OPENING_AT_ONCE) {
      const batch = Array.from({ length: Math.min(OPENING_AT_ONCE, count - i) }, (_, k) => targets[Math.floor((i + k) / PER_USER)]!);
      open.push(...(await Promise.all(batch.map((target) => openTerminal(target, size, 120_000)))));
    }
    await sleep(3000);
    const after = rssMiB(portal.process.pid());
    if (before === undefined || after === undefined) throw new Error("the portal's memory could not be read");
    return { count, before, after, mibEach: (after - before) / count };
  } finally {
    await Promise.allSettled(open.map((t) => t.close()));
    // Their workspaces would hold places under the running cap that the next phase's new users need.
    await Promise.allSettled(users.map(async (u) => portal.process.docker.getContainer(await portal.containerOf(u)).stop({ t: 2 })));
  }
}
