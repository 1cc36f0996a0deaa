import type { Metadata } from "next";
import { AppHeader } from "@/components/app-header";
import { WorkspaceFrame } from "@/components/workspace-frame";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../_shared/current-user";
import { initialWorkspaceView } from "../_shared/workspace-view";

export const metadata: Metadata = { title: "Workspace" };
export const dynamic = "force-dynamic";

export default async function WorkspacePage() {
  const user = await requirePageUser("/workspace");
  const { view, problem } = await initialWorkspaceView(user);
  return (
    <>
      <AppHeader user={user} devProvider={getPortal().auth.settings.devProvider} />
      <WorkspaceFrame initial={view} problem={problem} />
    </>
  );
}
