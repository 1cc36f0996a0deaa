import type { WorkspaceStatus } from "@/lib/workspace/types";

/** What the browser may know about a workspace: no container ids or network addresses. */
export interface WorkspaceView {
  state: WorkspaceStatus["state"];
  username: string;
  name: string;
  startedAt?: string;
  stoppedAt?: string;
  stopReason?: WorkspaceStatus["stopReason"];
  exitCode?: number;
}

export function toView(status: WorkspaceStatus): WorkspaceView {
  return {
    state: status.state,
    username: status.username,
    name: status.slug,
    ...(status.startedAt ? { startedAt: status.startedAt.toISOString() } : {}),
    ...(status.stoppedAt ? { stoppedAt: status.stoppedAt.toISOString() } : {}),
    ...(status.stopReason ? { stopReason: status.stopReason } : {}),
    ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
  };
}
