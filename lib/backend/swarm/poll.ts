/** How often a start asks the manager about its task once it has waited this long, and for how long that often. */
const QUICK_MS = 50;
const QUICK_FOR_MS = 3000;
/** After that: a slow node or a wait for room, which may last minutes, costs the manager little. */
const SLOW_MS = 200;

/**
 * How long a wait for a task's next state sleeps before it asks again, after `waitedMs`. A start on a quiet swarm
 * runs within about a second, and each sleep costs it half an interval on average: it asks often at first, for a
 * bounded time (at most QUICK_FOR_MS / QUICK_MS calls per start), then at the slower rate.
 */
export function pollDelay(waitedMs: number): number {
  return waitedMs < QUICK_FOR_MS ? QUICK_MS : SLOW_MS;
}
