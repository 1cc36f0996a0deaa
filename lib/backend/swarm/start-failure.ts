import { WorkspaceError } from "../../errors/workspace-errors";
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
      `${node} does not hold the workspace image and could not fetch it (${err}). An operator must push it to the registry and pull it there (docker pull <WORKSPACE_IMAGE>).`,
    );
  }
  return new WorkspaceError("runtime_error", `${node} could not start workspace ${service}: ${err}`);
}
