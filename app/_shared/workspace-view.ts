import type { SessionUser } from "@/lib/auth/session-user";
import { getPortal } from "@/lib/portal-instance";
import { isWorkspaceError } from "@/lib/workspace/errors";
import { toView, type WorkspaceView } from "../api/workspace/status-json";

/** The workspace as a page first renders it; a failing engine becomes a message, not an error page. */
export async function initialWorkspaceView(user: SessionUser): Promise<{ view: WorkspaceView; problem: string | null }> {
  try {
    return { view: toView(await getPortal().workspaces.status(user)), problem: null };
  } catch (error) {
    const problem = isWorkspaceError(error) ? error.message : "The workspace service is not answering.";
    if (!(isWorkspaceError(error))) getPortal().log.error({ err: error }, "workspace status failed");
    return { view: { state: "error", username: user.username, name: "" }, problem };
  }
}
