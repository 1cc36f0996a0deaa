import { randomBytes } from "node:crypto";
import type { PortalUser } from "../../lib/identity/user";
import { progress } from "../lib/progress";
import type { ListLatency } from "./results";
import { STACK_LABEL, type Stack } from "./stacks";

const STARTING_AT_ONCE = 4;

/**
 * The calls every page, poll and sweep makes, timed with `n` workspaces running: the list of this portal's
 * workspaces (the admin page, the metrics, the start queue's count) and one workspace's state (every Open Workspace
 * and status poll). `n` users are started first, a few at a time; their workspaces stay for the caller to use
 * (`users`) and are removed by `cleanup`.
 */
export async function startUsers(stack: Stack, n: number): Promise<{ users: PortalUser[]; seconds: number; cleanup(): Promise<void> }> {
  const id = randomBytes(3).toString("hex");
  const users = Array.from({ length: n }, (_, i) => ({ sub: `bench-n-${id}-${i}`, username: `n${i}${stack.kind}` }));
  const begun = performance.now();
  const cleanup = async () => {
    for (let i = 0; i < users.length; i += STARTING_AT_ONCE) {
      await Promise.allSettled(users.slice(i, i + STARTING_AT_ONCE).map((u) => stack.manager.remove(u, { deleteHome: true })));
    }
  };
  try {
    for (let i = 0; i < n; i += STARTING_AT_ONCE) {
      await Promise.all(users.slice(i, i + STARTING_AT_ONCE).map((u) => stack.manager.ensureRunning(u)));
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { users, seconds: (performance.now() - begun) / 1000, cleanup };
}

export async function measureListLatency(stack: Stack, users: PortalUser[], calls: number, startSeconds: number): Promise<ListLatency> {
  const result: ListLatency = { n: users.length, startSeconds, listMs: [], inspectMs: [] };
  for (let i = 0; i < calls; i++) {
    let begun = performance.now();
    const listed = await stack.manager.list();
    result.listMs.push(performance.now() - begun);
    const running = listed.filter((w) => w.state === "running").length;
    if (running < users.length) throw new Error(`${STACK_LABEL[stack.kind]}: only ${running} of ${users.length} workspaces listed running`);
    begun = performance.now();
    await stack.manager.status(users[i % users.length]!);
    result.inspectMs.push(performance.now() - begun);
    if (i === 0 && stack.kind === "swarm") {
      result.spread = {};
      for (const w of listed) result.spread[w.node ?? "?"] = (result.spread[w.node ?? "?"] ?? 0) + 1;
    }
  }
  progress(`list/inspect ${STACK_LABEL[stack.kind]} at ${users.length}: ${calls} calls each`);
  return result;
}
