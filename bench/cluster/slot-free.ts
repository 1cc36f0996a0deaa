import { randomBytes } from "node:crypto";
import type { PortalUser } from "../../lib/identity/user";
import type { StartProgress } from "../../lib/workspace/types";
import { progress } from "../lib/progress";
import { withTimeout } from "../lib/time";
import type { SlotRun } from "./results";
import { STACK_LABEL, type Stack } from "./stacks";

/**
 * Stop → slot free under the portal's cap (a stack made with one slot): one workspace runs, a second user waits in
 * the start queue; the first is stopped and the time until the queue lets the second start is taken (the stop
 * call itself, then the queue's own look at what runs). The two users swap roles each run: the one let in runs and
 * is the next one stopped.
 */
export async function measureSlotFree(stack: Stack, runs: number): Promise<SlotRun[]> {
  const id = randomBytes(3).toString("hex");
  const users: [PortalUser, PortalUser] = [
    { sub: `bench-slot-${id}-a`, username: `slota${stack.kind}` },
    { sub: `bench-slot-${id}-b`, username: `slotb${stack.kind}` },
  ];
  const results: SlotRun[] = [];
  await stack.manager.ensureRunning(users[0]);
  let pending: Promise<unknown> = Promise.resolve();
  try {
    for (let i = 0; i < runs; i++) {
      const [holder, waiter] = i % 2 ? [users[1], users[0]] : users;
      let queued!: () => void;
      const inLine = new Promise<void>((resolve) => (queued = resolve));
      let admitted!: (at: number) => void;
      const letIn = new Promise<number>((resolve) => (admitted = resolve));
      const onProgress = (p: StartProgress) => {
        if (p.step === "queued") queued();
        // The queue lets it go: the start itself begins.
        if (p.step === "starting") admitted(performance.now());
      };
      pending = stack.manager.ensureRunning(waiter, onProgress);
      pending.catch(() => undefined);
      await withTimeout(inLine, 60_000, `${waiter.username} waiting in the start queue`);
      const stopping = performance.now();
      await stack.manager.stop(holder);
      const stopped = performance.now();
      const at = await withTimeout(letIn, 60_000, `${waiter.username} let in after ${holder.username} stopped`);
      await withTimeout(pending, 120_000, `${waiter.username}'s workspace to start`);
      const run = { stopSeconds: (stopped - stopping) / 1000, admittedSeconds: (at - stopping) / 1000 };
      results.push(run);
      progress(`stop -> slot free ${STACK_LABEL[stack.kind]} run ${i + 1}: stop call ${run.stopSeconds.toFixed(2)} s, next let in at ${run.admittedSeconds.toFixed(2)} s`);
    }
  } finally {
    await pending.catch(() => undefined);
    for (const user of users) await stack.manager.remove(user, { deleteHome: true }).catch(() => undefined);
  }
  return results;
}
