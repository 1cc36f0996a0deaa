import { EngineStatusCard } from "@/components/engine-status-card";
import { engineStatus } from "@/lib/engine/engine-status";
import { getPortal } from "@/lib/portal-instance";

export const dynamic = "force-dynamic";

export default async function Home() {
  const status = await engineStatus(getPortal());
  return (
    <main>
      <h1>SciTeX Workspace</h1>
      <p className="lead">Your own Linux workspace with your files: a terminal, VS Code and SSH.</p>
      <EngineStatusCard status={status} />
    </main>
  );
}
