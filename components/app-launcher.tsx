"use client";

import { useEffect, useRef, useState } from "react";
import type { StartProgress } from "@/lib/workspace/types";
import { StartProgressList } from "./start-progress";
import { readError, startWorkspace, toSignIn, type ApiError } from "./use-workspace";

/**
 * Starts what an app needs (the workspace; for VS Code, code-server in it), then asks for a ticket and goes to the
 * app's own origin with it. The ticket is asked for by this page, on the portal's origin, and used at once.
 */
export function AppLauncher({ app, path }: { app: string; path: string }) {
  const [progress, setProgress] = useState<StartProgress[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const running = useRef(false);

  useEffect(() => {
    if (running.current) return;
    running.current = true;
    setError(null);
    setProgress([]);
    void (async () => {
      try {
        const started = await startWorkspace(app === "code" || app === "nb" ? app : undefined, (p) => setProgress((all) => [...all, p]));
        if (started.signIn) return toSignIn();
        if (!started.status) return setError(started.error ?? { code: "start_failed", message: "The workspace did not start." });
        const response = await fetch("/api/apps/ticket", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ app, path }),
        }).catch(() => null);
        if (!response) return setError({ code: "network", message: "The connection to the portal was lost. Try again." });
        if (response.status === 401) return toSignIn();
        if (!response.ok) return setError(await readError(response));
        const { url } = (await response.json()) as { url: string };
        // Replace, so Back returns to where the user came from rather than to this page (and a spent ticket).
        window.location.replace(url);
      } finally {
        running.current = false;
      }
    })();
  }, [app, path, attempt]);

  return (
    <div data-testid="app-launcher">
      <StartProgressList progress={progress} active={!error} />
      {error && (
        <>
          <p className="notice bad" role="alert" data-testid="app-launcher-error">
            {error.message}
          </p>
          <button type="button" className="button primary" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </>
      )}
    </div>
  );
}
