import type { PortalProcess } from "./portal-process";
import { LABEL } from "../../lib/workspace/labels";

async function containerOf(portal: PortalProcess, username: string) {
  const [c] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`, `${LABEL.username}=${username}`] } });
  if (!c) throw new Error(`${username} has no running workspace in this portal`);
  const container = portal.docker.getContainer(c.Id);
  // The workspace user by number, as the container runs: Docker resolves a name in the image's own passwd.
  return { container, user: (await container.inspect()).Config.User };
}

/** Runs a shell command as the workspace user, straight through Docker (to look from inside, past the portal). */
export async function execInWorkspace(portal: PortalProcess, username: string, script: string): Promise<string> {
  const { container, user } = await containerOf(portal, username);
  const exec = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, User: user });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await new Promise((r) => stream.on("end", r));
  return Buffer.concat(chunks).toString("latin1");
}

/** Starts a long-running process in the user's workspace, detached. */
export async function spawnInWorkspace(portal: PortalProcess, username: string, cmd: string[]): Promise<void> {
  const { container, user } = await containerOf(portal, username);
  const exec = await container.exec({ Cmd: cmd, User: user, WorkingDir: "/home/user" });
  await exec.start({ Detach: true });
}
