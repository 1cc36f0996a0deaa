import type { EngineStatus } from "@/lib/engine/engine-status";

function Row({ ok, label, detail }: { ok: boolean; label: string; detail: string }) {
  return (
    <div className="status">
      <span className={`dot ${ok ? "ok" : "bad"}`} aria-hidden="true" />
      <strong>{label}</strong>
      <span>{ok ? "" : "not ready: "}{detail}</span>
    </div>
  );
}

export function EngineStatusCard({ status }: { status: EngineStatus }) {
  return (
    <section className="card" aria-labelledby="engine-heading">
      <h2 id="engine-heading">Workspace engine</h2>
      <Row ok={status.docker.ok} label="Docker" detail={status.docker.message} />
      <Row ok={status.image.ok} label={`Image ${status.image.name}`} detail={status.image.message} />
      {status.workspaces && (
        <Row
          ok
          label="Workspaces"
          detail={`${status.workspaces.running} running of ${status.workspaces.total}`}
        />
      )}
    </section>
  );
}
