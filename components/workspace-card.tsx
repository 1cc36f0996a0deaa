"use client";

import { useRouter } from "next/navigation";
import type { WorkspaceView } from "@/lib/workspace/view";
import { DiskUsageLine } from "./disk-usage-line";
import { StartProgressList } from "./start-progress";
import { useWorkspace } from "./use-workspace";
import { IdleStopControl, IdleStopWarning } from "./idle-stop";
import { stopExplanation, WorkspaceStatePill } from "./workspace-state";

export function WorkspaceCard({ initial }: { initial: WorkspaceView }) {
  const router = useRouter();
  const { view, progress, error, busy, canAct, open, stop, extend } = useWorkspace(initial);
  const running = view.state === "running";

  return (
    <section className="card" aria-labelledby="ws-heading">
      <div className="card-head">
        <h2 id="ws-heading">Your workspace</h2>
        <WorkspaceStatePill state={busy === "opening" ? "starting" : view.state} />
      </div>
      <p className="muted">
        A Linux container with your files in <code>/home/user</code>: Python with numpy, pandas and matplotlib, git,
        and your own terminal.
      </p>
      {stopExplanation(view) && (
        <p className="muted" data-testid="stop-explanation">
          {stopExplanation(view)}
        </p>
      )}
      {view.state === "running" && view.idleStopAt && (
        <p className="muted small">
          Running; it <IdleStopControl view={view} onExtend={() => void extend()} busy={!canAct} />.
        </p>
      )}
      <IdleStopWarning view={view} onExtend={() => void extend()} busy={!canAct} />
      <DiskUsageLine view={view} />
      {error && (
        <p className="notice bad" role="alert" data-testid="workspace-error">
          {error.message}
        </p>
      )}
      <StartProgressList progress={progress} active={busy === "opening"} />
      <div className="actions">
        <button
          type="button"
          className="button primary"
          disabled={!canAct}
          data-testid="open-workspace"
          onClick={async () => {
            if (await open()) router.push("/workspace");
          }}
        >
          {busy === "opening" ? "Opening…" : "Open Workspace"}
        </button>
        <a className="button" href="/open/code" target="_blank" rel="noopener noreferrer" data-testid="open-vscode">
          Open in VS Code ↗
        </a>
        <a className="button" href="/open/nb" target="_blank" rel="noopener noreferrer" data-testid="open-notebook">
          Open Notebook ↗
        </a>
        {running && (
          <button type="button" className="button" disabled={!canAct} onClick={() => void stop()} data-testid="stop-workspace">
            {busy === "stopping" ? "Stopping…" : "Stop"}
          </button>
        )}
      </div>
    </section>
  );
}
