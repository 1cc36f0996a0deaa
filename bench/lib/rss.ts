import fs from "node:fs";

/** A process's resident memory now, in MiB (undefined once it has gone). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's resident memory every 50 ms until stopped; `stop` returns the peak in MiB. */
export function watchRss(pid: number | undefined): { stop(): number } {
  let peak = rssMiB(pid) ?? Number.NaN;
  const timer = setInterval(() => {
    const now = rssMiB(pid);
    if (now !== undefined && !(now <= peak)) peak = now;
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
