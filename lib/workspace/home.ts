import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { SLUG_PATTERN } from "../identity/naming";
import { WorkspaceError } from "../errors/workspace-errors";
import { LEASE_DIR, LEASE_FILE } from "./lease";

/** The image's own uid for `user`; homes of earlier versions are owned by it and are handed over at next start. */
export const WORKSPACE_UID = 1000;

export function usersRoot(dataRoot: string): string {
  return path.join(dataRoot, "users");
}

/** The host directory for a slug; refuses anything that could resolve outside `<dataRoot>/users`. */
export function homePath(dataRoot: string, slug: string): string {
  const root = usersRoot(dataRoot);
  const dir = path.resolve(root, slug);
  if (!SLUG_PATTERN.test(slug) || path.dirname(dir) !== root) {
    throw new WorkspaceError("invalid_user", `"${slug}" is not a valid workspace directory name.`);
  }
  return dir;
}

/**
 * Creates the home directory owned by the workspace's own host uid, or checks the existing one is a real directory.
 * A home still owned by another uid (the single shared uid of earlier versions) is handed over, file by file, to
 * this one: nothing is copied or moved, so nothing can be lost half-way.
 */
export async function ensureHome(dataRoot: string, slug: string, uid: number = WORKSPACE_UID): Promise<string> {
  const root = usersRoot(dataRoot);
  const dir = homePath(dataRoot, slug);
  await fs.mkdir(root, { recursive: true, mode: 0o711 });
  const asRoot = process.getuid?.() === 0;
  try {
    await fs.mkdir(dir, { mode: 0o700 });
    if (asRoot) await fs.chown(dir, uid, uid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = await fs.lstat(dir);
  if (!stat.isDirectory()) {
    throw new WorkspaceError("runtime_error", `The home directory ${dir} is not a directory; an operator must fix it.`);
  }
  if (asRoot && stat.uid !== uid) await handOver(dir, stat.uid, uid);
  if (asRoot) await ensureLease(dir);
  return dir;
}

/**
 * Makes the workspace's lease (lib/workspace/lease.ts) root's and read-only, in a directory of root's: the user
 * owns the home and could otherwise remove it by mistake (`rm -rf ~/.scitex`), and a removed lease lets a second
 * copy take a new one. What they can still do is rename the directory: the copy that holds the lease then takes
 * the one at its place again, or stops if another copy did. Whatever else stands at those paths (the user's own
 * file, a link) is moved aside, never followed and never deleted.
 */
export async function ensureLease(home: string): Promise<void> {
  const dir = await openRootDir(path.join(home, LEASE_DIR), home);
  try {
    // Through the directory already opened, so a path swapped meanwhile can lead nowhere else.
    const inDir = `/proc/self/fd/${dir.fd}`;
    let lease = await openPlain(path.join(inDir, LEASE_FILE));
    if (!lease) {
      await fs.rename(path.join(inDir, LEASE_FILE), path.join(inDir, `${LEASE_FILE}.moved-${Date.now()}`));
      lease = await openPlain(path.join(inDir, LEASE_FILE));
      if (!lease) throw new WorkspaceError("runtime_error", `Could not make the workspace lease in ${home}; an operator must look.`);
    }
    try {
      await lease.chown(0, 0);
      await lease.chmod(0o444);
    } finally {
      await lease.close();
    }
  } finally {
    await dir.close();
  }
}

const NOFOLLOW_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The directory at `dir` opened (made if missing), root's and 0755; anything else there is moved aside first. */
async function openRootDir(dir: string, home: string): Promise<fs.FileHandle> {
  await fs.mkdir(dir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  let handle = await fs.open(dir, NOFOLLOW_DIR).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOTDIR" || error.code === "ELOOP") return null;
    throw error;
  });
  if (!handle) {
    await fs.rename(dir, path.join(home, `${path.basename(dir)}.moved-${Date.now()}`));
    await fs.mkdir(dir, { mode: 0o755 });
    handle = await fs.open(dir, NOFOLLOW_DIR);
  }
  await handle.chown(0, 0);
  await handle.chmod(0o755);
  return handle;
}

/** The plain file at `file` opened (made if missing, never through a link); null when something else is there. */
async function openPlain(file: string): Promise<fs.FileHandle | null> {
  const flags = constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const handle = await fs.open(file, flags, 0o444).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ELOOP" || error.code === "EISDIR" || error.code === "ENXIO") return null;
    throw error;
  });
  if (handle && !(await handle.stat()).isFile()) {
    await handle.close();
    return null;
  }
  return handle;
}

/**
 * Gives everything in `dir` owned by `from` (and its group) to `to`, links included, never following them. The
 * directory itself goes last: until then it still says a hand-over is due, so one cut short resumes next time.
 */
async function handOver(dir: string, from: number, to: number): Promise<void> {
  const give = async (file: string) => {
    const stat = await fs.lstat(file);
    if (stat.uid === from || stat.gid === from) {
      await fs.lchown(file, stat.uid === from ? to : stat.uid, stat.gid === from ? to : stat.gid);
    }
    return stat;
  };
  const pending = (await fs.readdir(dir)).map((entry) => path.join(dir, entry));
  while (pending.length > 0) {
    const current = pending.pop()!;
    if ((await give(current)).isDirectory()) {
      for (const entry of await fs.readdir(current)) pending.push(path.join(current, entry));
    }
  }
  await give(dir);
}

/** Deletes a user's home directory for good: only ever on an admin's explicit, twice-confirmed request. */
export async function deleteHome(dataRoot: string, slug: string): Promise<void> {
  await fs.rm(homePath(dataRoot, slug), { recursive: true, force: true });
}
