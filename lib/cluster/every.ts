import type { LeaderTask } from "./leadership";

/** A leader's task that runs `work` every `ms` while it leads (a run still going is not started again). */
export function every(ms: number, work: () => Promise<unknown>, onError: (error: unknown) => void): LeaderTask {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    work()
      .catch(onError)
      .finally(() => (running = false));
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(tick, ms);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
