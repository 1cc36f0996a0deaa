import { ImageMissingError, WorkspaceError } from "../../errors/workspace-errors";
import type { SwarmTask } from "./tasks";

/**
 * Why a node refused a workspace's task, in words an operator can act on: what, and where (the node's name). The
 * engine's own sentence is kept in brackets.
 */
export function refusal(task: SwarmTask, node: string, service: string, homesPath: string): WorkspaceError {
  const err = task.Status.Err ?? task.Status.Message ?? task.Status.State;
  if (/bind source path does not exist/.test(err)) {
    return new WorkspaceError(
      "runtime_error",
      `The workspace's home is not there on ${node}: the homes volume is not mounted at ${homesPath} there (${err}). An operator must mount it, or take the node out of the swarm.`,
    );
  }
  if (/No such image|pull access denied|manifest unknown|failed to resolve reference|lookup .* (no such host|i\/o timeout)/i.test(err)) {
    return new WorkspaceError(
      "image_missing",
      `${node} does not hold the workspace image and could not fetch it (${err}). An operator must push it to the registry and pull it there (docker pull <WORKSPACE_IMAGE>; on the test cluster: ${PUSH_IMAGE}).`,
    );
  }
  return new WorkspaceError("runtime_error", `${node} could not start workspace ${service}: ${err}`);
}

const PUSH_IMAGE = "`bash scripts/cluster/cluster.sh push-image workspace` pushes it and has every worker pull it";

/** The registry part of an image reference ("registry:5000/name@sha256:…"), or Docker Hub when it names none. */
export function registryOf(ref: string): string {
  const first = ref.split("/")[0]!;
  return ref.includes("/") && /[.:]|^localhost$/.test(first) ? first : "Docker Hub";
}

/**
 * The pinned image is not at the registry, as the manager sees it: no start can succeed anywhere until an operator
 * pushes it (nodes never pull at start), so the user is told that, and the operator what to do.
 */
export function imageNotInRegistry(ref: string, manager: string): ImageMissingError {
  return new ImageMissingError(
    ref,
    `The workspace image "${ref}" is not in the cluster's registry (${registryOf(ref)}, asked by the swarm manager at ${manager}), so no workspace can start. ` +
      `An operator must push the image there and set WORKSPACE_IMAGE to the digest it was pushed as (on the test cluster: ${PUSH_IMAGE}; its cluster.env then names the digest as CLUSTER_WORKSPACE_IMAGE).`,
  );
}
