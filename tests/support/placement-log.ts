import type { Placement, WorkspaceBackend } from "../../lib/backend/backend";

/** One look at a workspace's placement, and when it was asked for (ms since the log started). */
export interface PlacementSeen {
  atMs: number;
  /** `unknown`: the backend could not say (`reason` has its error). */
  state: Placement["state"] | "none" | "unknown";
  reason?: string;
  node?: string;
  instanceId?: string;
}

/**
 * Asks the backend for a workspace's placement every `intervalMs`, without waiting for the answer before (a look
 * that reaches a dying node's engine waits for its timeout; at most 8 at once), and gives, once stopped, each one
 * that differs from the one asked before it: what a user's status page would have shown, in order.
 */
export function logPlacements(backend: Pick<WorkspaceBackend, "find">, slug: string, intervalMs = 200): { stop(): Promise<PlacementSeen[]> } {
  const started = Date.now();
  const looks: PlacementSeen[] = [];
  const pending = new Set<Promise<void>>();
  const look = async () => {
    const atMs = Date.now() - started;
    const p = await backend.find(slug).catch((error: Error) => error);
    looks.push(
      p instanceof Error
        ? { atMs, state: "unknown", reason: p.message }
        : {
            atMs,
            state: p?.state ?? "none",
            ...(p?.reason ? { reason: p.reason } : {}),
            ...(p?.node ? { node: p.node } : {}),
            ...(p?.instanceId ? { instanceId: p.instanceId } : {}),
          },
    );
  };
  const timer = setInterval(() => {
    if (pending.size >= 8) return;
    const p: Promise<void> = look().finally(() => pending.delete(p));
    pending.add(p);
  }, intervalMs);
  timer.unref();
  const key = (p: PlacementSeen) => `${p.state}|${p.reason ?? ""}|${p.node ?? ""}|${p.instanceId ?? ""}`;
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      const seen: PlacementSeen[] = [];
      for (const p of looks.sort((a, b) => a.atMs - b.atMs)) if (!seen.length || key(seen.at(-1)!) !== key(p)) seen.push(p);
      return seen;
    },
  };
}
