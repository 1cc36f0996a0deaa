"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { ProblemBody } from "@/lib/errors/problem";
import type { StartLine, WorkspaceView } from "@/lib/workspace/view";
import type { StartProgress } from "@/lib/workspace/types";
import { useHydrated } from "./use-hydrated";

export type ApiError = ProblemBody["error"];

const POLL_MS = 5000;

export function toSignIn(): void {
  window.location.href = `/signin?callbackUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`;
}

export async function readError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ProblemBody>;
    if (body.error) return body.error;
  } catch {
    // fall through to a generic message
  }
  return { code: "http_" + response.status, message: `The portal answered ${response.status} ${response.statusText}.` };
}

/** The signed-in user's workspace as the browser sees it: live state, and open/stop with start progress. */
export function useWorkspace(initial: WorkspaceView) {
  const [view, setView] = useState(initial);
  const [progress, setProgress] = useState<StartProgress[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<"opening" | "stopping" | null>(null);
  const hydrated = useHydrated();
  const busyRef = useRef(busy);
  busyRef.current = busy;

  const refresh = useCallback(async () => {
    const response = await fetch("/api/workspace", { cache: "no-store" }).catch(() => null);
    if (!response) return;
    if (response.status === 401) return toSignIn();
    if (response.ok) setView((await response.json()) as WorkspaceView);
    else setError(await readError(response));
  }, []);

  useEffect(() => {
    const timer = setInterval(() => {
      if (!busyRef.current && document.visibilityState === "visible") void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  /** Starts the workspace (and with "code", VS Code in it), reporting each step; true once it is ready. */
  const open = useCallback(async (app?: "code" | "nb"): Promise<boolean> => {
    setBusy("opening");
    setError(null);
    setProgress([]);
    setView((v) => ({ ...v, state: v.state === "running" ? "running" : "starting" }));
    try {
      const result = await startWorkspace(app, (p) => setProgress((all) => [...all, p]));
      if (result.signIn) {
        toSignIn();
        return false;
      }
      if (result.status) setView(result.status);
      if (result.error) setError(result.error);
      if (!result.status) await refresh();
      return result.status !== null;
    } finally {
      setBusy(null);
    }
  }, [refresh]);

  const stop = useCallback(async () => {
    setBusy("stopping");
    setError(null);
    try {
      const response = await fetch("/api/workspace/stop", { method: "POST" });
      if (response.status === 401) return toSignIn();
      if (response.ok) setView((await response.json()) as WorkspaceView);
      else setError(await readError(response));
    } finally {
      setBusy(null);
    }
  }, []);

  /** "+1 h" on the idle stop. */
  const extend = useCallback(async () => {
    setError(null);
    const response = await fetch("/api/workspace/extend", { method: "POST" });
    if (response.status === 401) return toSignIn();
    if (response.ok) setView((await response.json()) as WorkspaceView);
    else setError(await readError(response));
  }, []);

  // Actions are possible once the page is interactive and nothing else is under way.
  const canAct = hydrated && busy === null;
  return { view, progress, error, busy, canAct, open, stop, refresh, extend };
}

export interface StartResult {
  status: WorkspaceView | null;
  error: ApiError | null;
  /** The session has ended: the caller sends the browser to sign in. */
  signIn: boolean;
}

/** Starts the workspace (and with "code", VS Code in it) through the portal's API, reporting each step. */
export async function startWorkspace(app: "code" | "nb" | undefined, onProgress: (p: StartProgress) => void): Promise<StartResult> {
  const result: StartResult = { status: null, error: null, signIn: false };
  try {
    const response = await fetch(`/api/workspace/start${app ? `?app=${app}` : ""}`, { method: "POST" });
    if (response.status === 401) return { ...result, signIn: true };
    if (!response.ok || !response.body) return { ...result, error: await readError(response) };
    for await (const message of ndjson(response.body)) {
      if ("progress" in message) onProgress(message.progress);
      if ("status" in message) result.status = message.status;
      if ("error" in message) result.error = message.error;
    }
    return result;
  } catch {
    return { ...result, error: { code: "network", message: "The connection to the portal was lost. Check your network and try again." } };
  }
}

async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<StartLine> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value, { stream: !done });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield JSON.parse(line) as StartLine;
    }
    if (done) return;
  }
}
