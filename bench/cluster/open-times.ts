import { randomBytes } from "node:crypto";
import type { Attempt } from "../lib/attempt";
import type { TerminalSize } from "../lib/clients/bench-terminal";
import { progress } from "../lib/progress";
import type { OpenTimes } from "./results";
import { openToPrompt } from "./shell-terminal";
import { STACK_LABEL, type Stack } from "./stacks";

/**
 * Open Workspace to a prompt, per backend: a new user (cold: no workspace yet, made and started), the same user
 * again while it runs (hot), and after a stop (warm: the container, or the service, is there, not running). The
 * backends take turns within each run, so a busy moment of the machine does not fall on one only. Each user's
 * workspace and home are removed after its run; a run that fails is reported and the next one still runs.
 */
export async function measureOpenTimes(
  stacks: Stack[],
  runs: number,
  size: TerminalSize,
  into: Partial<Record<Stack["kind"], OpenTimes>>,
  attempt: Attempt,
): Promise<void> {
  const id = randomBytes(3).toString("hex");
  for (let i = 0; i < runs; i++) {
    for (const stack of i % 2 ? [...stacks].reverse() : stacks) {
      const user = { sub: `bench-open-${id}-${stack.kind}-${i}`, username: `open${i}${stack.kind}` };
      const times = (into[stack.kind] ??= { cold: [], hot: [], warm: [] });
      await attempt(`open ${STACK_LABEL[stack.kind]} run ${i + 1}`, async () => {
        try {
          const cold = await openToPrompt(stack, user, size);
          const hot = await openToPrompt(stack, user, size);
          await stack.manager.stop(user);
          const warm = await openToPrompt(stack, user, size);
          times.cold.push(cold);
          times.hot.push(hot);
          times.warm.push(warm);
          progress(`open ${STACK_LABEL[stack.kind]} run ${i + 1}: cold ${cold.toFixed(2)} s, hot ${hot.toFixed(2)} s, warm ${warm.toFixed(2)} s`);
        } finally {
          await stack.manager.remove(user, { deleteHome: true }).catch(() => undefined);
        }
      });
    }
  }
}
