import fs from "node:fs/promises";
import path from "node:path";
import { SLUG_PATTERN } from "../identity/naming";
import { WorkspaceError } from "./errors";

export const WORKSPACE_UID = 1000;
export const WORKSPACE_GID = 1000;

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

/** Creates the home directory owned by the workspace user, or checks the existing one is a real directory. */
export async function ensureHome(dataRoot: string, slug: string): Promise<string> {
  const root = usersRoot(dataRoot);
  const dir = homePath(dataRoot, slug);
  await fs.mkdir(root, { recursive: true, mode: 0o711 });
  try {
    await fs.mkdir(dir, { mode: 0o700 });
    if (process.getuid?.() === 0) await fs.chown(dir, WORKSPACE_UID, WORKSPACE_GID);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = await fs.lstat(dir);
  if (!stat.isDirectory()) {
    throw new WorkspaceError("runtime_error", `The home directory ${dir} is not a directory; an operator must fix it.`);
  }
  return dir;
}

/** Deletes a user's home directory for good: only ever on an admin's explicit, twice-confirmed request. */
export async function deleteHome(dataRoot: string, slug: string): Promise<void> {
  await fs.rm(homePath(dataRoot, slug), { recursive: true, force: true });
}
