"use client";

import { useEffect, useRef } from "react";
import type { WorkspaceView } from "@/app/api/workspace/status-json";
import { StartProgressList } from "./start-progress";
import { useWorkspace } from "./use-workspace";
import { stopExplanation, WorkspaceStatePill } from "./workspace-state";

/** The workspace page: its state and controls above, the terminal and VS Code panes below. */
export function WorkspaceFrame({ initial, problem }: { initial: WorkspaceView; problem: string | null }) {
  const { view, progress, error, busy, canAct, open, stop } = useWorkspace(initial);
  const autoOpened = useRef(false);

  // Coming to the workspace page means wanting to be in it: start it if it is not running.
  useEffect(() => {
    if (autoOpened.current || problem) return;
    autoOpened.current = true;
    if (initial.state !== "running") void open();
  }, [initial.state, open, problem]);

  const shown = busy === "opening" ? "starting" : view.state;
  return (
    <div className="workspace">
      <div className="workspace-bar">
        <strong>{view.name || view.username}</strong>
        <WorkspaceStatePill state={shown} />
        <span className="spacer" />
        {view.state === "running" ? (
          <button type="button" className="button" disabled={!canAct} onClick={() => void stop()} data-testid="stop-workspace">
            {busy === "stopping" ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="button" className="button primary" disabled={!canAct} onClick={() => void open()} data-testid="open-workspace">
            {busy === "opening" ? "Opening…" : "Start"}
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
        {view.state === "running" && busy === null && (
          <p className="muted" data-testid="workspace-ready">
            Your workspace is running. Files in <code>/home/user</code> are kept when it stops.
          </p>
        )}
        {view.state === "stopped" && busy === null && <p className="muted">{stopExplanation(view)}</p>}
      </div>
    </div>
  );
}
