import fs from "node:fs/promises";
import path from "node:path";
import type { WorkspaceBackend } from "../backend/backend";
import { WORKSPACE_HOME, WORKSPACE_USER } from "./spec";

/** The workspace's /etc/passwd and /etc/group as files on the host, to bind into the container read-only. */
export interface IdentityFiles {
  passwd: string;
  group: string;
}

/** Where a workspace's identity files are kept on the host (written by `WorkspaceIdentities.filesFor`). */
export function identityPaths(dataRoot: string, slug: string): IdentityFiles {
  const dir = path.join(dataRoot, "identity", "users", slug);
  return { passwd: path.join(dir, "passwd"), group: path.join(dir, "group") };
}

/** The image's passwd with the workspace user given `uid` (added when the image has none). */
export function passwdWithUid(passwd: string, uid: number): string {
  const line = `${WORKSPACE_USER}:x:${uid}:${uid}:${WORKSPACE_USER}:${WORKSPACE_HOME}:/bin/bash`;
  return withLine(passwd, line);
}

export function groupWithGid(group: string, gid: number): string {
  return withLine(group, `${WORKSPACE_USER}:x:${gid}:`);
}

function withLine(file: string, line: string): string {
  const kept = file.split("\n").filter((l) => l.trim() !== "" && !l.startsWith(`${WORKSPACE_USER}:`));
  return `${[...kept, line].join("\n")}\n`;
}

/**
 * Gives every workspace its own host uid without building an image per user: the image's own passwd and group
 * (copied out once per image, through the backend) with the `user` entry moved to that uid, kept under
 * `<DATA_ROOT>/identity/` and bound over the container's (so every machine that runs workspaces must see that path).
 * So `whoami`, the prompt, sftp-server and ssh all know the user, and on the host their files belong to an id no
 * account and no other workspace has.
 */
export class WorkspaceIdentities {
  private readonly images = new Map<string, Promise<{ passwd: string; group: string }>>();

  constructor(
    private readonly backend: Pick<WorkspaceBackend, "copyFromImage">,
    private readonly dataRoot: string,
  ) {}

  async filesFor(image: string, imageId: string, slug: string, uid: number): Promise<IdentityFiles> {
    const base = await this.imageFiles(image, imageId);
    const files = identityPaths(this.dataRoot, slug);
    await fs.mkdir(path.dirname(files.passwd), { recursive: true, mode: 0o755 });
    await writeAtomically(files.passwd, passwdWithUid(base.passwd, uid));
    await writeAtomically(files.group, groupWithGid(base.group, uid));
    return files;
  }

  private imageFiles(image: string, imageId: string): Promise<{ passwd: string; group: string }> {
    let pending = this.images.get(imageId);
    if (!pending) {
      pending = this.copyOut(image, imageId);
      this.images.set(imageId, pending);
      pending.catch(() => this.images.delete(imageId));
    }
    return pending;
  }

  private async copyOut(image: string, imageId: string): Promise<{ passwd: string; group: string }> {
    const dir = path.join(this.dataRoot, "identity", "images", imageId.replace(/^sha256:/, "").slice(0, 24));
    const read = (name: string) => fs.readFile(path.join(dir, name), "utf8").catch(() => null);
    let [passwd, group] = await Promise.all([read("passwd"), read("group")]);
    if (passwd === null || group === null) {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      for (const file of ["/etc/passwd", "/etc/group"]) await this.backend.copyFromImage(image, file, dir);
      [passwd, group] = await Promise.all([read("passwd"), read("group")]);
    }
    // An image without them still gets a user (and root) that programs can look up.
    return { passwd: passwd ?? "root:x:0:0:root:/root:/bin/sh\n", group: group ?? "root:x:0:\n" };
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const current = await fs.readFile(file, "utf8").catch(() => null);
  if (current === content) return;
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, content, { mode: 0o644 });
  await fs.rename(temp, file);
}
