"use client";

import type { WorkspaceView } from "@/app/api/workspace/status-json";
import { StartProgressList } from "./start-progress";
import { TerminalTabs } from "./terminal/terminal-tabs";
import { useWorkspace } from "./use-workspace";
import { stopExplanation, WorkspaceStatePill } from "./workspace-state";

/**
 * The workspace page: state and controls above, terminals below. Opening a terminal starts a stopped workspace
 * (its progress shows in the terminal), so arriving here is enough to be in one's workspace.
 */
export function WorkspaceFrame({ initial, problem }: { initial: WorkspaceView; problem: string | null }) {
  const { view, progress, error, busy, canAct, open, stop, refresh } = useWorkspace(initial);
  const shown = busy === "opening" ? "starting" : view.state;
  const stopped = view.state === "stopped" && busy === null;
  return (
    <div className="workspace">
      <div className="workspace-bar">
        <strong>{view.name || view.username}</strong>
        <WorkspaceStatePill state={shown} />
        {stopped && <span className="muted small">{stopExplanation(view)}</span>}
        <span className="spacer" />
        {view.state === "running" ? (
          <button type="button" className="button" disabled={!canAct} onClick={() => void stop()} data-testid="stop-workspace">
            {busy === "stopping" ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="button" className="button primary" disabled={!canAct} onClick={() => void open()} data-testid="open-workspace">
            {busy === "opening" ? "Starting…" : "Start"}
          </button>
        )}
      </div>
      <div className="workspace-body" data-testid="workspace-body">
        {(problem || error) && (
          <p className="notice bad" role="alert" data-testid="workspace-error">
            {error?.message ?? problem}
          </p>
        )}
        <StartProgressList progress={progress} active={busy === "opening"} />
        {!problem && <TerminalTabs onActivity={() => void refresh()} />}
      </div>
    </div>
  );
}
