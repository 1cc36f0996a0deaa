import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { TerminalSize } from "../lib/clients/bench-terminal";
import { PortalTerminal } from "../lib/clients/portal-terminal";
import { waitForPrompt } from "../lib/clients/wait-for-output";
import type { BenchPortal } from "../lib/portal";
import { median } from "../lib/stats";

export interface StartupResult {
  /** Seconds, median over the runs, for: a new user (container created), a stopped workspace, a running one. */
  cold: number;
  warm: number;
  hot: number;
  runs: { cold: number; warm: number; hot: number }[];
}

/**
 * "Open Workspace" to first prompt as the browser does it: a terminal socket without a terminal id, which starts
 * the workspace if needed and opens a shell, timed from the connect until bash's prompt is on screen. Each run
 * is a new user (cold), then the same user again while it runs (hot), then after `docker stop` (warm).
 */
export async function measureStartup(portal: BenchPortal, docker: Docker, runs: number, size: TerminalSize): Promise<StartupResult> {
  const results: StartupResult["runs"] = [];
  const runId = randomBytes(3).toString("hex");
  for (let i = 0; i < runs; i++) {
    const user = { sub: `bench-start-${runId}-${i}`, username: `bench-start-${i}` };
    const cookie = await portal.cookieFor(user);
    const cold = await openToPrompt(portal.url, cookie, size);
    const hot = await openToPrompt(portal.url, cookie, size);
    const container = docker.getContainer(await portal.containerOf(user.username));
    await container.stop({ t: 5 });
    const warm = await openToPrompt(portal.url, cookie, size);
    results.push({ cold, warm, hot });
    // Its numbers are taken: free the memory and CPU before the next user's cold start.
    await container.remove({ force: true }).catch(() => undefined);
  }
  return {
    cold: median(results.map((r) => r.cold)),
    warm: median(results.map((r) => r.warm)),
    hot: median(results.map((r) => r.hot)),
    runs: results,
  };
}

async function openToPrompt(url: string, cookie: string, size: TerminalSize): Promise<number> {
  const start = performance.now();
  const term = new PortalTerminal(url, cookie, size);
  try {
    const prompt = waitForPrompt(term, 90_000);
    prompt.catch(() => undefined);
    const at = await Promise.race([term.attached.then(() => prompt), prompt]);
    return (at - start) / 1000;
  } finally {
    await term.close();
  }
}
