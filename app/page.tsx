import { AppHeader } from "@/components/app-header";
import { EngineStatusCard } from "@/components/engine-status-card";
import { WorkspaceCard } from "@/components/workspace-card";
import { engineStatus } from "@/lib/engine/engine-status";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "./_shared/current-user";
import { initialWorkspaceView } from "./_shared/workspace-view";

export const dynamic = "force-dynamic";

export default async function Dashboard() {
  const user = await requirePageUser("/");
  const portal = getPortal();
  const { view, problem } = await initialWorkspaceView(user);
  return (
    <>
      <AppHeader user={user} devProvider={portal.auth.settings.devProvider} />
      <main id="main">
        <h1>Welcome, {user.name ?? user.username}</h1>
        <p className="lead">Open your workspace to get a terminal in the browser. Your files stay between sessions.</p>
        {problem && (
          <p className="notice bad" role="alert" data-testid="workspace-error">
            {problem}
          </p>
        )}
        <WorkspaceCard initial={view} />
        {user.isAdmin && <EngineStatusCard status={await engineStatus(portal)} />}
      </main>
    </>
  );
}
