import type { RegisteredUser } from "../../lib/identity/registry";
import type { Portal } from "../../lib/portal";

/** Runs a helper command in the user's workspace to its end, ignoring what it prints and whether it can run. */
export async function runQuietly(portal: Portal, user: RegisteredUser, cmd: string[]): Promise<void> {
  try {
    const helper = await portal.workspaces.exec(user, { cmd, tty: false });
    helper.stdout.resume();
    helper.stderr.resume();
    await helper.wait();
  } catch {
    // The workspace may have stopped meanwhile: then nothing is left to end or signal.
  }
}
