import type { Placement, WorkspaceBackend } from "../../lib/backend/backend";

/** One look at a workspace's placement, and when it was taken (ms since the log started). */
export interface PlacementSeen {
  atMs: number;
  /** `unknown`: the backend could not say (`reason` has its error). */
  state: Placement["state"] | "none" | "unknown";
  reason?: string;
  node?: string;
  instanceId?: string;
}

/**
 * Asks the backend for a workspace's placement every `intervalMs` and keeps each one that differs from the last:
 * what a user's status page would have shown, in order.
 */
export function logPlacements(backend: Pick<WorkspaceBackend, "find">, slug: string, intervalMs = 200): { seen: PlacementSeen[]; stop(): void } {
  const started = Date.now();
  const seen: PlacementSeen[] = [];
  let stopped = false;
  const key = (p: PlacementSeen) => `${p.state}|${p.reason ?? ""}|${p.node ?? ""}|${p.instanceId ?? ""}`;
  void (async () => {
    while (!stopped) {
      const p = await backend.find(slug).catch((error: Error) => error);
      {
        const now: PlacementSeen =
          p instanceof Error
            ? { atMs: Date.now() - started, state: "unknown", reason: p.message }
            : {
          atMs: Date.now() - started,
          state: p?.state ?? "none",
          ...(p?.reason ? { reason: p.reason } : {}),
          ...(p?.node ? { node: p.node } : {}),
          ...(p?.instanceId ? { instanceId: p.instanceId } : {}),
              };
        const last = seen.at(-1);
        if (!last || key(last) !== key(now)) seen.push(now);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    seen,
    stop: () => {
      stopped = true;
    },
  };
}
