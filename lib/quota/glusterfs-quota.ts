import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { HomeLimitBytes, HomeStorage } from "./home-storage";
import { mountOf, readMountinfo, type MountOf } from "./xfs-project-quota";

/** A GlusterFS FUSE mount: where it is, and which volume (and directory of it) it shows. */
export interface GlusterMount {
  mountPoint: string;
  volume: string;
  /** The directory of the volume mounted there ("" for its root). */
  subdir: string;
}

/**
 * The limit set on a home that has none of its own: large enough never to stop a write, so the volume still keeps
 * the home's size (GlusterFS accounts only for directories with a limit). 4 EiB, a whole number of blocks.
 */
export const ACCOUNTING_ONLY_BYTES = 2n ** 62n;

/** The GlusterFS volume mounted where `mount` is, or null when it is something else. */
export function glusterMountOf(mount: MountOf | null): GlusterMount | null {
  if (mount?.fsType !== "fuse.glusterfs") return null;
  // The source is server:/volume or server:/volume/sub/dir (a subdirectory mount).
  const match = /^[^:]+:\/?([^/]+)(\/.*)?$/.exec(mount.source);
  if (!match) return null;
  return { mountPoint: mount.mountPoint, volume: match[1]!, subdir: (match[2] ?? "").replace(/\/+$/, "") };
}

/** `dir` as GlusterFS's quota commands name it: its path from the volume's root. */
export function volumePath(mount: GlusterMount, dir: string): string {
  const relative = path.relative(mount.mountPoint, dir);
  if (relative.startsWith("..") || path.isAbsolute(relative)) throw new Error(`${dir} is not on the GlusterFS mount ${mount.mountPoint}`);
  return path.posix.join("/", mount.subdir, relative);
}

interface Statfs {
  bsize: bigint;
  blocks: bigint;
  bfree: bigint;
}

/**
 * What a home holds, from `statfs` on it: with `features.quota-deem-statfs` (on once quota is enabled), GlusterFS
 * answers with the nearest limited directory's limit as the size and its accounted use as the used part. Null when
 * that is not the home's own (the same answer as the volume's root: no limit on the home, so no accounting).
 * The used part never shows more than the limit: a home over it reads as exactly full.
 */
export function usedBytes(home: Statfs, root: Statfs): bigint | null {
  if (home.blocks === root.blocks && home.bfree === root.bfree) return null;
  return (home.blocks - home.bfree) * home.bsize;
}

/** The limit as `statfs` will answer it: GlusterFS gives whole blocks, rounded down. */
export function limitAsBlocks(bytes: bigint, bsize: bigint): bigint {
  return (bytes / bsize) * bsize;
}

/**
 * Homes on a GlusterFS volume with directory quotas (`gluster volume quota <volume> enable`). Each home gets a
 * limit (its user's hard limit, or one too large to reach), so the servers keep every home's size as files are
 * written, from whichever machine, and stop writes past the hard limit with "Disk quota exceeded". The portal then
 * reads a size with one `statfs` over the mount, rather than walking every file of every home over the network.
 * Limits are set with the gluster CLI, which must reach a server of the volume's pool (`HOMES_GLUSTER_CLI`).
 */
export class GlusterQuota implements HomeStorage {
  readonly kind = "glusterfs quota";
  readonly enforced = true;
  readonly mount: GlusterMount;

  constructor(
    homesRoot: string,
    private readonly cli: string[],
    private readonly log: Logger,
    mountinfo: string = readMountinfo(),
  ) {
    const found = mountOf(path.resolve(homesRoot), mountinfo);
    const mount = glusterMountOf(found);
    if (!mount) {
      throw new Error(
        `HOMES_STORAGE=glusterfs: ${homesRoot} is not on a GlusterFS mount (it is on ${found ? `${found.fsType} at ${found.mountPoint}` : "nothing known"}); mount the homes volume there first`,
      );
    }
    this.mount = mount;
  }

  async measure(home: string): Promise<number> {
    const [own, root] = await Promise.all([statfs(home), statfs(this.mount.mountPoint)]);
    const used = usedBytes(own, root);
    if (used === null) throw new Error(`${home} has no GlusterFS quota limit yet: it is set when its workspace next starts`);
    return Number(used);
  }

  /** The hard limit only: the soft one is the portal's own warning (the workspace bar), not the servers' log's. */
  async apply(home: string, _id: number, limits: HomeLimitBytes): Promise<void> {
    const wanted = limits.hardBytes === null ? ACCOUNTING_ONLY_BYTES : BigInt(limits.hardBytes);
    const own = await statfs(home);
    // Most starts find the limit as it was: a statfs, not a CLI round through the servers.
    if (own.blocks * own.bsize === limitAsBlocks(wanted, own.bsize)) return;
    const target = volumePath(this.mount, home);
    await this.gluster(["volume", "quota", this.mount.volume, "limit-usage", target, wanted.toString()]);
    this.log.debug({ home, volume: this.mount.volume, path: target, hardBytes: limits.hardBytes }, "home directory GlusterFS quota set");
  }

  /** Runs the gluster CLI; another portal process's command at the same moment makes glusterd refuse: tried again. */
  private async gluster(args: string[]): Promise<void> {
    const [file, ...prefix] = this.cli as [string, ...string[]];
    for (let attempt = 1; ; attempt++) {
      try {
        await run(file, [...prefix, "--mode=script", ...args]);
        return;
      } catch (error) {
        const output = (error as Error).message;
        if (attempt < 5 && /another transaction|locking failed/i.test(output)) {
          await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
          continue;
        }
        throw new Error(`gluster ${args.join(" ")} failed: ${output}`);
      }
    }
  }
}

async function statfs(dir: string): Promise<Statfs> {
  return fs.statfs(dir, { bigint: true });
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      reject(new Error(`${`${stderr}\n${stdout}`.trim() || error.message}`));
    });
  });
}
