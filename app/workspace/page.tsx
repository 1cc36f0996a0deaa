import type { Metadata } from "next";
import { AppHeader } from "@/components/app-header";
import { WorkspaceFrame, type WorkspacePane } from "@/components/workspace-frame";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../_shared/current-user";
import { initialWorkspaceView } from "../_shared/workspace-view";

export const metadata: Metadata = { title: "Workspace" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<{ view?: string; folder?: string }> };

const PANES: WorkspacePane[] = ["terminal", "code", "ports"];

/** Only absolute paths inside the workspace's home make sense as a VS Code folder. */
function safeFolder(folder: string | undefined): string {
  return folder && folder.startsWith("/") && !folder.includes("\0") && folder.length < 1024 ? folder : "/home/user";
}

export default async function WorkspacePage({ searchParams }: Props) {
  const query = await searchParams;
  const user = await requirePageUser("/workspace");
  const { view, problem } = await initialWorkspaceView(user);
  const pane = PANES.find((p) => p === query.view) ?? (query.folder ? "code" : "terminal");
  return (
    <>
      <AppHeader user={user} devProvider={getPortal().auth.settings.devProvider} />
      <WorkspaceFrame initial={view} problem={problem} pane={pane} folder={safeFolder(query.folder)} />
    </>
  );
}
