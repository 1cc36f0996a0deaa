import { sql } from "kysely";
import type { Logger } from "pino";
import type { PortalDb } from "../store/schema";
import { SharedCheck } from "../util/shared-check";
import type { DiskUsage, DiskUsageMonitor } from "./disk-usage";

/**
 * Home sizes passed between the portal's processes through the database. Only the leader scans every home (a walk
 * of each, or a question to the storage, that every process repeating would multiply), and a start measures its
 * home wherever it is asked; without this, a process that neither led nor started the workspace showed no size
 * (or an old one) in the meter and no "home full" alert, so a user whose requests the balancer spread saw the
 * meter come and go. Each process writes what it measured in batches (every `flushMs`, one row per home, the later
 * measure kept) and reads every row back every `pullMs`.
 */
export class SharedHomeSizes {
  private readonly pending = new Map<string, DiskUsage>();
  private timers: NodeJS.Timeout[] = [];
  // One write and one read at a time; a caller arriving meanwhile waits for the one under way.
  private readonly writing = new SharedCheck(() => this.write(), 0);
  private readonly reading = new SharedCheck(() => this.read(), 0);

  constructor(
    private readonly db: PortalDb,
    private readonly monitor: DiskUsageMonitor,
    private readonly log: Logger,
    private readonly flushMs = 3_000,
    private readonly pullMs = 15_000,
  ) {
    monitor.onMeasured = (slug, usage) => void this.pending.set(slug, usage);
  }

  start(): void {
    if (this.timers.length) return;
    void this.pull();
    this.timers = [setInterval(() => void this.flush(), this.flushMs), setInterval(() => void this.pull(), this.pullMs)];
    for (const timer of this.timers) timer.unref();
  }

  /** Stops, writing what is left. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.flush();
  }

  /** Writes the sizes measured since the last flush; a failed batch is kept for the next (never an older over a newer). */
  flush(): Promise<void> {
    return this.writing.get();
  }

  /** Brings in the sizes other processes measured; a failure keeps what is known and is tried again next time. */
  pull(): Promise<void> {
    return this.reading.get();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    try {
      await this.db
        .insertInto("home_sizes")
        .values(batch.map(([slug, u]) => ({ slug, bytes: u.bytes, measured_at_ms: u.measuredAt.getTime() })))
        .onConflict((oc) =>
          oc.column("slug").doUpdateSet({
            bytes: sql<number>`CASE WHEN excluded.measured_at_ms > home_sizes.measured_at_ms THEN excluded.bytes ELSE home_sizes.bytes END`,
            measured_at_ms: sql<number>`CASE WHEN excluded.measured_at_ms > home_sizes.measured_at_ms THEN excluded.measured_at_ms ELSE home_sizes.measured_at_ms END`,
          }),
        )
        .execute();
    } catch (error) {
      for (const [slug, usage] of batch) {
        const newer = this.pending.get(slug);
        if (!newer || newer.measuredAt < usage.measuredAt) this.pending.set(slug, usage);
      }
      this.log.warn({ err: error }, "could not record home sizes for the other portal processes; kept for the next batch");
    }
  }

  private async read(): Promise<void> {
    try {
      const rows = await this.db.selectFrom("home_sizes").select(["slug", "bytes", "measured_at_ms"]).execute();
      for (const row of rows) this.monitor.merge(row.slug, { bytes: Number(row.bytes), measuredAt: new Date(Number(row.measured_at_ms)) });
    } catch (error) {
      this.log.warn({ err: error }, "could not read the home sizes other portal processes measured");
    }
  }
}
