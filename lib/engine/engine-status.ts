import type { Portal } from "../portal";
import { isWorkspaceError } from "../errors/workspace-errors";

export interface EngineStatus {
  docker: { ok: boolean; message: string };
  image: { ok: boolean; name: string; message: string };
  workspaces: { running: number; total: number } | null;
}

/** What an operator needs to know first: can this portal start workspaces right now, and if not, why. */
export async function engineStatus(portal: Portal): Promise<EngineStatus> {
  const image = portal.config.workspace.image;
  try {
    await portal.backend.ping();
  } catch (error) {
    const message = isWorkspaceError(error) ? error.message : String(error);
    return {
      docker: { ok: false, message },
      image: { ok: false, name: image, message: "unknown while Docker is unreachable" },
      workspaces: null,
    };
  }
  const imageId = await portal.backend.imageId(image);
  const all = await portal.workspaces.list();
  return {
    docker: { ok: true, message: `reachable at ${portal.backend.endpoint}` },
    image: imageId
      ? { ok: true, name: image, message: `present (${imageId.slice(7, 19)})` }
      : {
          ok: false,
          name: image,
          message:
            portal.backend.kind === "swarm"
              ? "missing at the registry: push it there and pin WORKSPACE_IMAGE to its digest"
              : "missing: build it with `npm run images`",
        },
    workspaces: { running: all.filter((w) => w.state === "running").length, total: all.length },
  };
}
