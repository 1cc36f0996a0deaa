import type { Logger } from "pino";
import type { WorkspaceManager } from "../workspace/manager";
import { run } from "../workspace/run";
import { endAllSessionsCommand } from "./end-session-script";

/**
 * Run once when the portal starts: shells and SSH sessions opened by a previous portal process (one that
 * crashed or was killed) cannot be reached any more, so they are ended rather than left running unseen. With
 * several processes sharing the workspaces, the shells of those alive now (`spare`, by process id) are left alone.
 */
export async function endOrphanedSessions(workspaces: WorkspaceManager, log: Logger, spare: Iterable<string> = []): Promise<number> {
  const alive = [...spare];
  let cleaned = 0;
  for (const ws of await workspaces.list()) {
    if (ws.state !== "running" || !ws.sub) continue;
    try {
      await run(workspaces, { sub: ws.sub, username: ws.username }, endAllSessionsCommand(alive));
      cleaned += 1;
    } catch (error) {
      log.warn({ err: error, user: ws.username }, "could not end sessions left by an earlier portal process");
    }
  }
  return cleaned;
}
