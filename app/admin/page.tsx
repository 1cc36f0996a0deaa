import type { Metadata } from "next";
import { AdminWorkspaces } from "@/components/admin/admin-workspaces";
import { AuditViewer } from "@/components/admin/audit-viewer";
import { EnforcementCard } from "@/components/admin/enforcement-card";
import { AppHeader } from "@/components/app-header";
import { EngineStatusCard } from "@/components/engine-status-card";
import { enforcementLines } from "@/lib/backend/enforcement-words";
import { engineStatus } from "@/lib/engine/engine-status";
import { getPortal } from "@/lib/portal-instance";
import { requirePageUser } from "../_shared/current-user";

export const metadata: Metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

const BACKEND_NAMES = { docker: "single-host Docker", swarm: "Docker Swarm" } as const;

export default async function AdminPage() {
  const user = await requirePageUser("/admin");
  const portal = getPortal();
  return (
    <>
      <AppHeader user={user} devProvider={portal.auth.settings.devProvider} />
      <main id="main" className="wide">
        <h1>Admin</h1>
        {user.isAdmin ? (
          <>
            <EngineStatusCard status={await engineStatus(portal)} />
            <EnforcementCard backend={BACKEND_NAMES[portal.backend.kind]} lines={enforcementLines(portal.backend.kind, portal.backend.enforces)} />
            <AdminWorkspaces idleMinutes={Math.round(portal.config.workspace.idleTimeoutMs / 60_000)} />
            <AuditViewer />
          </>
        ) : (
          <p className="notice bad" role="alert" data-testid="admin-forbidden">
            This page is for administrators.
          </p>
        )}
      </main>
    </>
  );
}
