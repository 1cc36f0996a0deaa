"use client";

import { useEffect, useRef, useState } from "react";
import type { WorkspaceView } from "@/lib/workspace/view";

// As JupyterHub users asked for: enough time to come back to the tab and say "keep it".
const WARN_MS = 5 * 60_000;

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** Ticks every few seconds so a countdown moves between status polls. */
function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "Stops at 14:32 if unused · +1 h", for a running workspace with an idle stop. */
export function IdleStopControl({ view, onExtend, busy }: { view: WorkspaceView; onExtend(): void; busy: boolean }) {
  if (view.state !== "running" || !view.idleStopAt) return null;
  return (
    <span className="idle-stop small" title="Using the terminal, SSH, VS Code or a port preview counts as use, and so does a program keeping a CPU busy" data-testid="idle-countdown">
      stops at <time dateTime={view.idleStopAt}>{clock(view.idleStopAt)}</time> if unused
      {view.canExtend && (
        <button type="button" className="link-button" disabled={busy} onClick={onExtend} data-testid="idle-extend">
          +1 h
        </button>
      )}
    </span>
  );
}

/**
 * The last five minutes before an idle stop: a banner on the page, and a browser notification (once) when the
 * user allowed them, so somebody in another tab still hears of it.
 */
export function IdleStopWarning({ view, onExtend, busy }: { view: WorkspaceView; onExtend(): void; busy: boolean }) {
  const now = useNow();
  const notified = useRef<string | null>(null);
  const left = view.state === "running" && view.idleStopAt ? Date.parse(view.idleStopAt) - now : Infinity;
  const warn = left <= WARN_MS;
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">("unsupported");
  useEffect(() => setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission), []);

  useEffect(() => {
    if (!warn || !view.idleStopAt || notified.current === view.idleStopAt || permission !== "granted") return;
    notified.current = view.idleStopAt;
    new Notification("Your workspace stops soon", { body: `It stops at ${clock(view.idleStopAt)} unless you use it.`, tag: "scitex-idle-stop" });
  }, [warn, view.idleStopAt, permission]);

  if (!warn || !view.idleStopAt) return null;
  const minutes = Math.max(0, Math.ceil(left / 60_000));
  return (
    <div className="notice warn idle-warning" role="alert" data-testid="idle-warning">
      Your workspace stops at {clock(view.idleStopAt)} ({minutes <= 1 ? "within a minute" : `in ${minutes} min`}) unless you use it. Your
      files are kept; running programs end.
      {view.canExtend && (
        <button type="button" className="button small" disabled={busy} onClick={onExtend} data-testid="idle-warning-extend">
          Keep it running (+1 h)
        </button>
      )}
      {permission === "default" && (
        <button type="button" className="link-button" onClick={() => void Notification.requestPermission().then(setPermission)}>
          Notify me next time
        </button>
      )}
    </div>
  );
}
