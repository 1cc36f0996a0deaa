"use client";

import { useEffect, useRef, useState } from "react";
import type { StartProgress } from "@/lib/workspace/types";
import { StartProgressList } from "./start-progress";
import type { ApiError } from "./use-workspace";

interface Props {
  name: string;
  /** Directory VS Code opens, e.g. a project under /home/user. */
  folder: string;
  open(app: "code"): Promise<boolean>;
  progress: StartProgress[];
  error: ApiError | null;
  busy: boolean;
}

/** VS Code in a frame, served by code-server in the workspace through the portal's proxy. */
export function VsCodeView({ name, folder, open, progress, error, busy }: Props) {
  const [ready, setReady] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !name) return;
    started.current = true;
    void open("code").then(setReady);
  }, [name, open]);

  const src = `/workspace/${encodeURIComponent(name)}/code/?folder=${encodeURIComponent(folder)}`;
  if (!ready) {
    return (
      <div className="app-placeholder" data-testid="vscode-starting">
        <StartProgressList progress={progress} active={busy} />
        {error && (
          <p className="notice bad" role="alert">
            {error.message}
          </p>
        )}
        {!busy && (
          <button type="button" className="button primary" onClick={() => void open("code").then(setReady)}>
            Start VS Code
          </button>
        )}
      </div>
    );
  }
  return (
    <div className="app-frame">
      <div className="app-frame-bar">
        <span className="muted small">VS Code · {folder}</span>
        <a href={src} target="_blank" rel="noopener" className="small">
          Open in its own tab ↗
        </a>
      </div>
      <iframe title="VS Code" src={src} className="app-iframe" data-testid="vscode-frame" allow="clipboard-read; clipboard-write" />
    </div>
  );
}
