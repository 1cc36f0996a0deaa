import type { StartProgress } from "@/lib/workspace/types";

/** The steps of an Open Workspace as they happen; the last one is the one in progress until "ready". */
export function StartProgressList({ progress, active }: { progress: StartProgress[]; active: boolean }) {
  if (progress.length === 0 && !active) return null;
  return (
    <ol className="progress" aria-live="polite" data-testid="start-progress">
      {progress.map((p, i) => {
        const current = active && i === progress.length - 1 && p.step !== "ready";
        return (
          <li key={`${p.step}-${i}`} className={current ? "current" : "done"} data-step={p.step}>
            <span aria-hidden="true">{current ? "…" : "✓"}</span> {p.message}
          </li>
        );
      })}
      {active && progress.length === 0 && <li className="current">Contacting the portal…</li>}
    </ol>
  );
}
