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
  if (view.stopCause === "idle") {
    const at = view.stoppedAt ? ` at ${new Date(view.stoppedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "";
    const minutes = view.idleStop?.idleMinutes;
    const idle = minutes === undefined ? " after a while without use" : minutes < 1 ? " after less than a minute without use" : ` after ${minutes} min without use`;
    const ended = view.idleStop?.processes ? `; ${view.idleStop.processes} ${view.idleStop.processes === 1 ? "process" : "processes"} ended` : "";
    return `It was stopped${at}${idle}${ended}. Your files are kept; open it to start it again.`;
  }
  if (view.stopCause === "admin") return "An administrator stopped it. Your files are kept; open it to start it again.";
  // Nobody stopped it through the portal: its first process ended, or its machine's engine stopped it (a restart of
  // the engine, or on a swarm the node it ran on). Said, rather than a bare "stopped" the user did not ask for.
  if (view.stopReason === "exited" && !view.stopCause) {
    const code = view.exitCode !== undefined ? ` (exit status ${view.exitCode})` : "";
    return `It stopped without anyone stopping it${code}: its machine stopped or restarted it, or its main process ended. Your files are kept; open it to start it again.`;
  }
  return "Your files are kept. Open it to start it again.";
}

export function stateLabel(state: WorkspaceView["state"]): string {
  return LABEL[state].replace("…", "");
}

export function WorkspaceStatePill({ state }: { state: WorkspaceView["state"] }) {
  return (
    <span className={`pill state-${state}`} data-testid="workspace-state" data-state={state}>
      {LABEL[state]}
    </span>
  );
}
