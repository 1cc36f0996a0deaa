import type { Attempt } from "../lib/attempt";
import { progress } from "../lib/progress";
import type { Asset } from "./assets";
import { runLoad } from "./load";
import { cpuSeconds } from "./proc-stats";
import { STACK_LABEL, STACKS, type Cell, type Stack, type StackTarget } from "./results";
import { urlOf } from "./stack-targets";

export interface MatrixOptions {
  connections: number[];
  cellSeconds: number;
  warmupSeconds: number;
  rounds: number;
}

/**
 * Every asset x connection count x stack, one cell at a time (they would compete for the two cores otherwise),
 * and the whole matrix `rounds` times. The stacks alternate inside each asset/connections pair, so a slow minute
 * of the machine falls on all of them rather than on one. Each cell is preceded by an unmeasured warm-up on fresh
 * connections of the same shape.
 */
export async function runMatrix(
  targets: Record<Stack, StackTarget>,
  assets: Asset[],
  options: MatrixOptions,
  attempt: Attempt,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const asset of assets) {
      for (const connections of options.connections) {
        for (const stack of STACKS) {
          const what = `round ${round}: ${STACK_LABEL[stack]} ${asset.name} x${connections}`;
          await attempt(what, async () => {
            const target = targets[stack];
            const { headers, pid } = target;
            const load = { url: urlOf(target, asset), headers, connections };
            await runLoad({ ...load, seconds: options.warmupSeconds });
            const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
            const result = await runLoad({ ...load, seconds: options.cellSeconds });
            const cpuUs = pid === undefined ? undefined : (cpuSeconds(pid) - cpuBefore) * 1e6;
            // A 19 MB cell may end before any response completes; its bytes still say how fast the data flowed.
            if (result.bytes === 0 || (result.responses === 0 && result.failures > 0)) {
              throw new Error(`no successful response (${result.failures} failures, ${result.bytes} bytes)`);
            }
            const cpu = cpuUs === undefined ? {} : { cpuPerRequest: cpuUs / result.responses, cpuPerMb: cpuUs / (result.bytes / 1e6) };
            cells.push({ stack, asset, connections, round, result, ...cpu });
            progress(
              `${what}: ${result.rps.toFixed(0)} req/s, ${result.mbPerSecond.toFixed(1)} MB/s, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(2)} ms` +
                (cpu.cpuPerMb === undefined ? "" : `, ${cpu.cpuPerRequest.toFixed(0)} us CPU/req, ${cpu.cpuPerMb.toFixed(0)} us CPU/MB`) +
                (result.failures ? `, ${result.failures} failures` : ""),
            );
          });
        }
      }
    }
  }
  return cells;
}
