import type { ContainerInfo } from "../runtime/runtime";
import type { WorkspaceState, WorkspaceStatus } from "./types";

const STATE: Record<ContainerInfo["status"], WorkspaceState> = {
  created: "stopped",
  running: "running",
  paused: "stopped",
  restarting: "starting",
  removing: "stopped",
  exited: "stopped",
  dead: "error",
};

/** How a container looks to its owner: state, and why it stopped when it did. */
export function describeContainer(
  container: ContainerInfo,
  user: { sub: string; username: string; slug: string },
): WorkspaceStatus {
  const state = STATE[container.status];
  const status: WorkspaceStatus = {
    state,
    sub: user.sub,
    username: user.username,
    slug: user.slug,
    containerName: container.name,
    containerId: container.id,
    ...(container.startedAt ? { startedAt: container.startedAt } : {}),
    ...(container.ipAddress ? { ipAddress: container.ipAddress } : {}),
    ...(container.error ? { error: container.error } : {}),
  };
  if (state !== "stopped") return status;
  if (container.status === "created") return { ...status, stopReason: "never_started" };
  return {
    ...status,
    ...(container.finishedAt ? { stoppedAt: container.finishedAt } : {}),
    exitCode: container.exitCode,
    // Docker keeps OOMKilled once any process in the container met the OOM killer, even if the workspace was
    // later stopped normally (exit 0); only a workspace that itself died of it says so.
    stopReason: container.oomKilled && container.exitCode !== 0 ? "out_of_memory" : "exited",
  };
}
