import type { WorkspaceView } from "@/app/api/workspace/status-json";

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
  return "Your files are kept. Open it to start it again.";
}

export function WorkspaceStatePill({ state }: { state: WorkspaceView["state"] }) {
  return (
    <span className={`pill state-${state}`} data-testid="workspace-state" data-state={state}>
      {LABEL[state]}
    </span>
  );
}
