import { execFileSync } from "node:child_process";
import fs from "node:fs";

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/**
 * CPU seconds (user + system) from /proc/PID/stat: the process's own, or what its children used once reaped.
 * Wall-clock throughput swings with whatever else the machine runs; CPU per gigabyte does not, so the report
 * shows both. NaN when the process is gone.
 */
export function cpuSeconds(pid: number, whose: "self" | "children"): number {
  try {
    // Fields after the ")" that ends the command name: utime is the 12th, stime 13th, cutime 14th, cstime 15th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const at = whose === "self" ? 11 : 13;
    return (Number(fields[at]) + Number(fields[at + 1])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** The portal child of this process (tests/support/portal-process.ts spawns `node … server/index.ts`). */
export function portalPid(): number | undefined {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.split(") ")[1]!.split(" ")[1]);
      if (ppid !== process.pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("server/index.ts")) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
