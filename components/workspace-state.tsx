import type { WorkspaceView } from "@/lib/workspace/view";

const LABEL: Record<WorkspaceView["state"], string> = {
  none: "Not created yet",
  stopped: "Stopped",
  starting: "Starting…",
  running: "Running",
  error: "Error",
};

export function stopExplanation(view: WorkspaceView): string | null {
  if (view.state !== "stopped") return null;
  if (view.stopReason === "out_of_memory") return "It stopped because it ran out of memory. Open it to start it again.";
  if (view.stopReason === "never_started") return "It was created but has not run yet.";
  if (view.stopCause === "idle") return "It was stopped after a while without use. Your files are kept; open it to start it again.";
  if (view.stopCause === "admin") return "An administrator stopped it. Your files are kept; open it to start it again.";
  return "Your files are kept. Open it to start it again.";
}

/** "stops in 12 min if unused", for a running workspace with an idle stop. */
export function idleExplanation(view: WorkspaceView, now = Date.now()): string | null {
  if (view.state !== "running" || !view.idleStopAt) return null;
  const minutes = Math.max(0, Math.round((Date.parse(view.idleStopAt) - now) / 60_000));
  return minutes <= 1 ? "stops within a minute if unused" : `stops in ${minutes} min if unused`;
}

export function WorkspaceStatePill({ state }: { state: WorkspaceView["state"] }) {
  return (
    <span className={`pill state-${state}`} data-testid="workspace-state" data-state={state}>
      {LABEL[state]}
    </span>
  );
}
