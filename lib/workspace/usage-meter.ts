import type { ContainerUsage, RunningAt, WorkspaceBackend } from "../backend/backend";

export interface WorkspaceUsage {
  /** Percent of one core, over the time since the previous reading (null on the first). */
  cpuPercent: number | null;
  memoryBytes: number;
  memoryLimitBytes: number;
}

// Readings younger than this are answered from memory: a page polling (or flooding) costs the engine nothing more.
const FRESH_MS = 2000;
// A reading older than this is no base for a CPU figure worth showing.
const STALE_MS = 60_000;

/**
 * The live meter in the workspace bar: memory used of the limit, and CPU as a rate between two one-shot readings
 * of the engine's counters (no sampling wait per request).
 */
export class UsageMeter {
  private readonly last = new Map<string, { at: number; reading: ContainerUsage; answer: WorkspaceUsage }>();

  constructor(
    private readonly backend: Pick<WorkspaceBackend, "usage">,
    private readonly now: () => number = Date.now,
  ) {}

  /** Readings are kept per instance: a workspace made anew, or moved, starts its counters over. */
  async read(where: RunningAt): Promise<WorkspaceUsage> {
    const before = this.last.get(where.instanceId);
    const at = this.now();
    if (before && at - before.at < FRESH_MS) return before.answer;
    const reading = await this.backend.usage(where);
    const elapsed = before ? (at - before.at) / 1000 : 0;
    const cpuPercent =
      before && elapsed > 0 && at - before.at < STALE_MS && reading.cpuSeconds >= before.reading.cpuSeconds
        ? Math.round(((reading.cpuSeconds - before.reading.cpuSeconds) / elapsed) * 1000) / 10
        : null;
    const answer = { cpuPercent, memoryBytes: reading.memoryBytes, memoryLimitBytes: reading.memoryLimitBytes };
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(where.instanceId, { at, reading, answer });
    return answer;
  }
}
