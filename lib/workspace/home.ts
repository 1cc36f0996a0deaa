import fs from "node:fs/promises";
import path from "node:path";
import { SLUG_PATTERN } from "../identity/naming";
import { WorkspaceError } from "../errors/workspace-errors";

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
  return dir;
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
