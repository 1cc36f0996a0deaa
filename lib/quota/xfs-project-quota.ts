import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { du, type HomeStorage } from "./home-storage";

const run = promisify(execFile);

/** Where a directory lives: its mount point, file system type, what is mounted (device, server:/volume) and options. */
export interface MountOf {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string[];
}

/** The mount holding `dir`, from /proc/self/mountinfo text (the longest mount point that contains it). */
export function mountOf(dir: string, mountinfo: string): MountOf | null {
  let best: MountOf | null = null;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const mountPoint = (fields[4] ?? "").replace(/\\040/g, " ");
    const [fsType, source, superOptions] = right.split(" ");
    const inside = dir === mountPoint || dir.startsWith(mountPoint.endsWith("/") ? mountPoint : `${mountPoint}/`);
    if (!inside || (best && best.mountPoint.length >= mountPoint.length)) continue;
    best = { mountPoint, fsType: fsType ?? "", source: source ?? "", options: [...(fields[5] ?? "").split(","), ...(superOptions ?? "").split(",")] };
  }
  return best;
}

/** True when the mount can hold per-directory limits: XFS mounted with project quotas. */
export function hasProjectQuota(mount: MountOf | null): boolean {
  return mount?.fsType === "xfs" && mount.options.some((o) => o === "prjquota" || o === "pquota" || o === "pqnoenforce");
}

/**
 * Disk limits enforced at write time where the file system allows it: on XFS with project quotas, each home is a
 * project of its own (its id is the user's host uid, unique already) with the user's soft and hard limits, so a
 * write past the hard limit fails with "Disk quota exceeded" and nobody else's space is touched. Elsewhere homes
 * are only measured (see DiskUsageMonitor). Either way a home's size is walked with `du`: the files are on this host.
 */
export class XfsProjectQuota implements HomeStorage {
  readonly kind = "local";
  private readonly mount: MountOf | null;

  constructor(
    homesRoot: string,
    private readonly log: Logger,
    mountinfo: string = readMountinfo(),
  ) {
    this.mount = mountOf(path.resolve(homesRoot), mountinfo);
  }

  get enforced(): boolean {
    return hasProjectQuota(this.mount);
  }

  measure(home: string): Promise<number> {
    return du(home);
  }

  /** Makes `home` project `id` (its files, and all made later) and sets the limits; no limit clears them. */
  async apply(home: string, id: number, limits: { softBytes: number | null; hardBytes: number | null }): Promise<void> {
    if (!this.enforced) return;
    const mountPoint = this.mount!.mountPoint;
    if ((await this.projectOf(home)) !== id) {
      // Tags every existing file once (and sets inheritance, so new ones follow); later starts skip this walk.
      await this.xfsQuota(mountPoint, `project -s -p ${home} ${id}`);
    }
    const kib = (bytes: number | null) => (bytes === null ? "0" : `${Math.ceil(bytes / 1024)}k`);
    await this.xfsQuota(mountPoint, `limit -p bsoft=${kib(limits.softBytes)} bhard=${kib(limits.hardBytes)} ${id}`);
    this.log.debug({ home, id, ...limits }, "home directory project quota set");
  }

  private async projectOf(dir: string): Promise<number | null> {
    try {
      const { stdout } = await run("xfs_io", ["-r", "-c", "lsproj", dir]);
      const match = /projid\s*=\s*(\d+)/.exec(stdout);
      return match ? Number(match[1]) : null;
    } catch {
      return null;
    }
  }

  private async xfsQuota(mountPoint: string, command: string): Promise<void> {
    // The home path never holds a space or quote: it is <homes>/<slug>, and slugs are [a-z0-9-].
    await run("xfs_quota", ["-x", "-c", command, mountPoint]);
  }
}

/**
 * Why a full home could fill the portal's own disk, or null when it cannot: homes on the file system that holds
 * portal.db, with no project quota to stop them. Told to admins, never fatal (a laptop's portal is like that).
 */
export function dataDiskProblem(dataRoot: string, homesRoot: string, homesEnforced: boolean, mountinfo: string = readMountinfo()): string | null {
  const data = mountOf(path.resolve(dataRoot), mountinfo);
  const homes = mountOf(path.resolve(homesRoot), mountinfo);
  if (!data || !homes || data.mountPoint !== homes.mountPoint || homesEnforced || hasProjectQuota(homes)) return null;
  return `homes share a file system (${homes.mountPoint}) with portal.db and no quota stops them: a full home fills the portal's disk. Mount ${homesRoot} on a file system of its own (XFS with prjquota enforces each user's limit).`;
}

export function readMountinfo(): string {
  try {
    return fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return "";
  }
}
