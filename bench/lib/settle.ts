import os from "node:os";
import { progress } from "./progress";
import { sleep } from "./time";

/** A machine this busy or less (1-minute load per CPU) is as quiet as it gets between suites. */
const QUIET_LOAD_PER_CPU = 0.5;
const MAX_WAIT_MS = 180_000;

/**
 * Waits, up to three minutes, for the load the previous suite left (a terminal flood leaves about 10 on two CPUs)
 * to fall away, so the next suite's first cells are not measured on a busier machine than its last. Its suites
 * compare stacks within one run, so a machine that stays busy is only reported.
 */
export async function settle(): Promise<void> {
  const quiet = QUIET_LOAD_PER_CPU * os.availableParallelism();
  const begun = Date.now();
  while (os.loadavg()[0]! > quiet && Date.now() - begun < MAX_WAIT_MS) await sleep(5000);
  progress(`load ${os.loadavg()[0]!.toFixed(2)} after ${Math.round((Date.now() - begun) / 1000)} s of settling (quiet is ${quiet.toFixed(1)})`);
}
