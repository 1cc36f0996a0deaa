import type { SessionUser } from "@/lib/auth/session-user";
import { getPortal } from "@/lib/portal-instance";
import { INTERNAL, problemOf } from "@/lib/errors/problem";
import type { WorkspaceView } from "@/lib/workspace/view";
import { toView } from "../api/workspace/status-json";

/** The workspace as a page first renders it; a failing engine becomes a message, not an error page. */
export async function initialWorkspaceView(user: SessionUser): Promise<{ view: WorkspaceView; problem: string | null }> {
  try {
    return { view: await toView(await getPortal().workspaces.status(user)), problem: null };
  } catch (error) {
    const problem = problemOf(error, "The workspace service is not answering.");
    if (problem.code === INTERNAL) getPortal().log.error({ err: error }, "workspace status failed");
    return { view: { state: "error", username: user.username, name: "" }, problem: problem.message };
  }
}
