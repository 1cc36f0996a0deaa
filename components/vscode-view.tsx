"use client";

import { useListeningPorts } from "./use-listening-ports";

const CODE_SERVER_PORT = 8080;

/**
 * VS Code, one click away: it opens in a tab of its own, on an origin of its own (nothing it shows, such as an
 * extension's webview or a notebook's output, runs on the portal's origin). This says whether it is running.
 */
export function VsCodeView({ active, workspaceRunning }: { active: boolean; workspaceRunning: boolean }) {
  const { ports } = useListeningPorts(active && workspaceRunning);
  const up = workspaceRunning && (ports?.some((p) => p.port === CODE_SERVER_PORT) ?? false);
  return (
    <div className="app-placeholder" data-testid="vscode-view">
      <p data-testid="vscode-state">
        {up ? "VS Code is running in your workspace." : "VS Code starts when you open it (with the workspace, if it is stopped)."}
      </p>
      <p>
        <a className="button primary" href="/open/code" target="_blank" rel="noopener noreferrer" data-testid="open-vscode">
          Open VS Code ↗
        </a>{" "}
        <a className="button" href="/open/nb" target="_blank" rel="noopener noreferrer" data-testid="open-notebook">
          Open Jupyter Notebook ↗
        </a>
      </p>
      <p className="muted small">
        Each opens in a new tab of its own; Jupyter runs your workspace&apos;s Python as its kernel. To open a folder in
        VS Code, link to <code>/workspace?folder=/home/user/project</code>.
      </p>
    </div>
  );
}
