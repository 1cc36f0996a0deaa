import { finished } from "node:stream/promises";
import type { PortalUser } from "../identity/user";
import type { WorkspaceManager } from "./manager";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a helper command (a listing, a signal, the end of a session) in the user's running workspace to its end,
 * and gives back what it printed. Both streams are read whether or not the caller wants them: a helper whose
 * output nobody reads would stall on a full pipe and never exit.
 */
export async function run(workspaces: Pick<WorkspaceManager, "exec">, user: PortalUser, cmd: string[]): Promise<RunResult> {
  const proc = await workspaces.exec(user, { cmd, tty: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on("data", (c: Buffer) => out.push(c));
  proc.stderr.on("data", (c: Buffer) => err.push(c));
  // The exit can be reported before the last output is read: wait for both.
  const [code] = await Promise.all([proc.wait(), finished(proc.stdout).catch(() => undefined), finished(proc.stderr).catch(() => undefined)]);
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
