import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AppHeader } from "@/components/app-header";
import { WorkspaceFrame, type WorkspacePane } from "@/components/workspace-frame";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../_shared/current-user";
import { safeFolder } from "../_shared/folder";
import { initialWorkspaceView } from "../_shared/workspace-view";

export const metadata: Metadata = { title: "Workspace" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<{ view?: string; folder?: string }> };

const PANES: WorkspacePane[] = ["terminal", "code", "ports"];

export default async function WorkspacePage({ searchParams }: Props) {
  const query = await searchParams;
  // A link to a folder opens VS Code on it, in this tab: VS Code lives on its own origin, not in this page.
  if (query.folder) redirect(`/open/code?folder=${encodeURIComponent(safeFolder(query.folder))}`);
  const user = await requirePageUser("/workspace");
  const { view, problem } = await initialWorkspaceView(user);
  const pane = PANES.find((p) => p === query.view) ?? "terminal";
  return (
    <>
      <AppHeader user={user} devProvider={getPortal().auth.settings.devProvider} />
      <WorkspaceFrame initial={view} problem={problem} pane={pane} />
    </>
  );
}
