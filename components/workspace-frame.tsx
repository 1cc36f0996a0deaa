"use client";

import { useState } from "react";
import type { WorkspaceView } from "@/lib/workspace/view";
import { NewPortToast, PortsView } from "./ports-view";
import { StartProgressList } from "./start-progress";
import { TerminalTabs } from "./terminal/terminal-tabs";
import { useWorkspace } from "./use-workspace";
import { VsCodeView } from "./vscode-view";
import { IdleStopControl, IdleStopWarning } from "./idle-stop";
import { UsageMeter } from "./usage-meter";
import { stopExplanation, WorkspaceStatePill } from "./workspace-state";

export type WorkspacePane = "terminal" | "code" | "ports";

interface Props {
  initial: WorkspaceView;
  problem: string | null;
  pane: WorkspacePane;
}

/**
 * The workspace page: state and controls above; terminals, VS Code and port previews below. Opening a terminal
 * or VS Code starts a stopped workspace (with its progress shown there), so arriving here is enough.
 */
export function WorkspaceFrame({ initial, problem, pane: initialPane }: Props) {
  const { view, progress, error, busy, canAct, open, stop, refresh, extend } = useWorkspace(initial);
  const [pane, setPane] = useState<WorkspacePane>(initialPane);
  const shown = busy === "opening" ? "starting" : view.state;
  const stopped = view.state === "stopped" && busy === null;

  const select = (next: WorkspacePane) => setPane(next);
  const tab = (id: WorkspacePane, label: string) => (
    <button type="button" role="tab" aria-selected={pane === id} className={`view-tab ${pane === id ? "active" : ""}`} onClick={() => select(id)} data-testid={`view-${id}`}>
      {label}
    </button>
  );

  return (
    <div className="workspace">
      <div className="workspace-bar">
        <strong>{view.name || view.username}</strong>
        <WorkspaceStatePill state={shown} />
        {stopped && <span className="muted small" data-testid="stop-explanation">{stopExplanation(view)}</span>}
        <IdleStopControl view={view} onExtend={() => void extend()} busy={!canAct} />
        <UsageMeter running={view.state === "running"} />
        <nav className="view-tabs" role="tablist" aria-label="Workspace views">
          {tab("terminal", "Terminal")}
          {tab("code", "VS Code")}
          {tab("ports", "Ports")}
        </nav>
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
        <IdleStopWarning view={view} onExtend={() => void extend()} busy={!canAct} />
        <NewPortToast running={view.state === "running"} />
        <StartProgressList progress={progress} active={busy === "opening"} />
        {!problem && (
          <>
            <div className="view" hidden={pane !== "terminal"}>
              <TerminalTabs onActivity={() => void refresh()} />
            </div>
            <div className="view" hidden={pane !== "code"}>
              <VsCodeView active={pane === "code"} workspaceRunning={view.state === "running"} />
            </div>
            <div className="view" hidden={pane !== "ports"}>
              <PortsView active={pane === "ports"} />
            </div>
          </>
        )}
      </div>
    </div>
  );
}
