import type { ContainerInfo, ContainerStatus } from "../../runtime/runtime";
import type { Placement, PlacementState } from "../backend";

const STATE: Record<ContainerStatus, PlacementState> = {
  created: "created",
  running: "running",
  paused: "stopped",
  restarting: "starting",
  removing: "stopped",
  exited: "stopped",
  dead: "failed",
};

/** A workspace's container as a placement: the one host's state, the container's id and its bridge address. */
export function toPlacement(container: ContainerInfo, slug: string): Placement {
  return {
    slug,
    name: container.name,
    labels: container.labels,
    state: STATE[container.status],
    exitCode: container.exitCode,
    // Docker keeps OOMKilled once any process in the container met the OOM killer, even if the workspace was
    // later stopped normally (exit 0); only a workspace that itself died of it says so.
    oomKilled: container.oomKilled && container.exitCode !== 0,
    instanceId: container.id,
    ...(container.startedAt ? { startedAt: container.startedAt } : {}),
    ...(container.finishedAt ? { stoppedAt: container.finishedAt } : {}),
    ...(container.ipAddress ? { address: container.ipAddress } : {}),
    ...(container.error ? { reason: container.error } : {}),
  };
}
