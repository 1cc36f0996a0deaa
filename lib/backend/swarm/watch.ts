import type { Placement, WorkspaceChange } from "../backend";

/**
 * Tells what changed between one listing of the workspaces and the next, every `intervalMs`: a workspace new to the
 * list was made, one gone was removed, one whose state or container changed was started or stopped. A listing
 * that fails is skipped; the first one that succeeds after it (and the first of all) is a resync, since anything
 * may have happened unseen. The first failure after a success tells that the changes are lost until then.
 */
export function pollChanges(list: () => Promise<Placement[]>, onChange: (change: WorkspaceChange) => void, intervalMs: number): () => void {
  let last: Map<string, string> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tell = (change: WorkspaceChange) => {
    try {
      onChange(change);
    } catch {
      // the listener answers for its own errors
    }
  };
  const round = async () => {
    let now: Map<string, string> | null = null;
    try {
      now = new Map((await list()).map((p) => [p.slug, `${p.state === "running" ? "running" : "not"}:${p.instanceId ?? ""}`]));
    } catch {
      if (last !== null) tell({ kind: "lost" });
      last = null;
    }
    if (stopped) return;
    if (now) {
      if (last === null) tell({ kind: "resync" });
      else {
        for (const [slug, seen] of now) {
          const before = last.get(slug);
          if (before === undefined) tell({ kind: "workspace", slug, what: "created" });
          if (before !== seen) {
            if (seen.startsWith("running:")) tell({ kind: "workspace", slug, what: "started" });
            else if (before?.startsWith("running:")) tell({ kind: "workspace", slug, what: "stopped" });
          }
        }
        for (const slug of last.keys()) if (!now.has(slug)) tell({ kind: "workspace", slug, what: "removed" });
      }
      last = now;
    }
    timer = setTimeout(() => void round(), intervalMs);
    timer.unref();
  };
  void round();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
