import fs from "node:fs";
import path from "node:path";

export type LxcfsMode = "auto" | "yes" | "no";

// What free, top, htop, nproc-less tools and Python's os/psutil read about memory, CPUs, load and uptime.
const PROC_FILES = ["cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"];

export interface ProcBind {
  source: string;
  target: string;
  readOnly: true;
}

/**
 * LXCFS's view of /proc, bound over the workspace's own, so `free -m` says the workspace's 8 GiB and not the
 * host's 24 (people size their arrays by it). Only files LXCFS serves right now are bound: a workspace never gets
 * a dead FUSE file it cannot read.
 */
export function lxcfsProcBinds(mode: LxcfsMode, root: string): ProcBind[] {
  if (mode === "no") return [];
  const binds = PROC_FILES.map((file) => path.join(root, "proc", file))
    .filter(readable)
    .map((source) => ({ source, target: `/proc/${path.basename(source)}`, readOnly: true as const }));
  if (mode === "yes" && !binds.some((b) => b.target === "/proc/meminfo")) {
    throw new Error(`WORKSPACE_LXCFS=yes, but LXCFS serves nothing at ${root} (start it: lxcfs ${root}, or set WORKSPACE_LXCFS=auto)`);
  }
  return binds;
}

/** Why the LXCFS files bound into workspaces cannot be read now (lxcfs died), or null when they can. */
export function lxcfsProblem(binds: ProcBind[]): string | null {
  const dead = binds.filter((b) => !readable(b.source));
  return dead.length ? `LXCFS stopped serving ${dead.map((b) => b.source).join(", ")}: restart lxcfs, then restart the workspaces` : null;
}

function readable(file: string): boolean {
  try {
    const fd = fs.openSync(file, "r");
    try {
      fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
      return true;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
