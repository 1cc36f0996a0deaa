"use client";

import { useEffect, useRef, useState } from "react";
import type { WorkspaceView } from "@/lib/workspace/view";
import { NewPortToast, PortsView } from "./ports-view";
import { StartProgressList } from "./start-progress";
import { TerminalTabs } from "./terminal/terminal-tabs";
import { useWorkspace } from "./use-workspace";
import { VsCodeView } from "./vscode-view";
import { IdleStopControl, IdleStopWarning } from "./idle-stop";
import { UsageMeter } from "./usage-meter";
import { ViewMenu } from "./view-menu";
import { useVisualViewport } from "./use-visual-viewport";
import { stateLabel, stopExplanation, WorkspaceStatePill } from "./workspace-state";

export type WorkspacePane = "terminal" | "code" | "ports";
const PANES: { id: WorkspacePane; label: string }[] = [
  { id: "terminal", label: "Terminal" },
  { id: "code", label: "VS Code" },
  { id: "ports", label: "Ports" },
];

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
  useVisualViewport();
  const [pane, setPane] = useState<WorkspacePane>(initialPane);
  // A terminal opened on a stopped workspace starts it: the bar says so as the terminal shows the progress.
  const [terminalStarting, setTerminalStarting] = useState(false);
  const shown = busy === "opening" || (terminalStarting && view.state !== "running") ? "starting" : view.state;
  const stopped = shown === "stopped" && busy === null;

  const select = (next: WorkspacePane) => setPane(next);
  const tabs = useRef<Partial<Record<WorkspacePane, HTMLButtonElement | null>>>({});
  // Arrow keys, Home and End move between the views, as in any tab list; only the selected one is a Tab stop.
  const onTabKey = (event: React.KeyboardEvent) => {
    const at = PANES.findIndex((p) => p.id === pane);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: PANES.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = PANES[(to + PANES.length) % PANES.length]!.id;
    select(next);
    tabs.current[next]?.focus();
  };
  const tab = (id: WorkspacePane, label: string) => (
    <button
      type="button"
      role="tab"
      id={`view-tab-${id}`}
      aria-selected={pane === id}
      aria-controls={`view-panel-${id}`}
      tabIndex={pane === id ? 0 : -1}
      ref={(el) => void (tabs.current[id] = el)}
      className={`view-tab ${pane === id ? "active" : ""}`}
      onClick={() => select(id)}
      data-testid={`view-${id}`}
    >
      {label}
    </button>
  );
  // The browser tab says how the workspace is: "Running · alice · SciTeX".
  useEffect(() => {
    document.title = `${stateLabel(shown)} · ${view.username} · SciTeX`;
  }, [shown, view.username]);

  return (
    <main id="main" className="workspace">
      <div className="workspace-bar">
        <strong>{view.name || view.username}</strong>
        <WorkspaceStatePill state={shown} />
        {stopped && <span className="muted small" data-testid="stop-explanation">{stopExplanation(view)}</span>}
        <IdleStopControl view={view} onExtend={() => void extend()} busy={!canAct} />
        <UsageMeter running={view.state === "running"} />
        <div className="view-tabs" role="tablist" aria-label="Workspace views" onKeyDown={onTabKey}>
          {PANES.map((p) => tab(p.id, p.label))}
        </div>
        {/* The same views as a menu on a narrow screen, where the tabs would take a row of their own. */}
        <ViewMenu views={PANES} current={pane} onSelect={select} />
        <span className="spacer" />
        {view.state === "running" ? (
          <button type="button" className="button" disabled={!canAct} onClick={() => void stop()} data-testid="stop-workspace">
            {busy === "stopping" ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="button" className="button primary" disabled={!canAct || shown === "starting"} onClick={() => void open()} data-testid="open-workspace">
            {shown === "starting" ? "Starting…" : "Start"}
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
            <div className="view" role="tabpanel" id="view-panel-terminal" aria-labelledby="view-tab-terminal" hidden={pane !== "terminal"}>
              <TerminalTabs
                onActivity={() => void refresh()}
                onStarting={(on) => {
                  setTerminalStarting(on);
                  if (!on) void refresh();
                }}
              />
            </div>
            <div className="view" role="tabpanel" id="view-panel-code" aria-labelledby="view-tab-code" hidden={pane !== "code"}>
              <VsCodeView active={pane === "code"} workspaceRunning={view.state === "running"} />
            </div>
            <div className="view" role="tabpanel" id="view-panel-ports" aria-labelledby="view-tab-ports" hidden={pane !== "ports"}>
              <PortsView active={pane === "ports"} />
            </div>
          </>
        )}
      </div>
    </main>
  );
}
