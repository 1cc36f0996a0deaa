import type { Logger } from "pino";
import { sql } from "kysely";
import type { PortalDb } from "../store/schema";
import { SharedCheck } from "../util/shared-check";
import type { ActivityTracker, Door } from "./activity-tracker";

/**
 * Each process's uses of workspaces, passed to the others through the database, so the one process that runs the
 * idle stop sees a workspace used only through another. Written in batches: every `flushMs`, one row per user who
 * did anything meanwhile (the latest use), never a write per keystroke. Read back (all rows, one per user) before
 * an idle decision, at most every `pullMs`. A row only ever moves later.
 */
export class SharedLastUse {
  private timer: NodeJS.Timeout | null = null;
  private readonly writing: SharedCheck<void>;
  private readonly reading: SharedCheck<void>;

  constructor(
    private readonly db: PortalDb,
    private readonly activity: ActivityTracker,
    private readonly log: Logger,
    private readonly flushMs = 3_000,
    pullMs = 2_000,
    now: () => number = Date.now,
  ) {
    this.writing = new SharedCheck(() => this.write(), 0, now);
    this.reading = new SharedCheck(() => this.read(), pullMs, now);
    activity.keepChanges();
    activity.pull = () => this.pull();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Stops the batches, writing what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Writes the uses since the last flush; a failed batch is kept for the next (never an older over a newer). */
  flush(): Promise<void> {
    return this.writing.get();
  }

  /** Brings in other processes' uses, unless that was done within `pullMs`; throws when the database cannot say. */
  pull(): Promise<void> {
    return this.reading.get();
  }

  private async write(): Promise<void> {
    const changes = this.activity.takeChanges();
    if (changes.size === 0) return;
    try {
      // Both engines take the same words: the row keeps the later of what it held and what comes.
      await this.db
        .insertInto("last_use")
        .values([...changes].map(([sub, { at, door }]) => ({ sub, at_ms: at, door })))
        .onConflict((oc) =>
          oc.column("sub").doUpdateSet({
            at_ms: sql<number>`CASE WHEN excluded.at_ms > last_use.at_ms THEN excluded.at_ms ELSE last_use.at_ms END`,
            door: sql<string>`CASE WHEN excluded.at_ms > last_use.at_ms THEN excluded.door ELSE last_use.door END`,
          }),
        )
        .execute();
    } catch (error) {
      for (const [sub, activity] of changes) this.activity.requeue(sub, activity);
      this.log.warn({ err: error }, "could not record workspaces' last use; kept for the next batch");
    }
  }

  private async read(): Promise<void> {
    const rows = await this.db.selectFrom("last_use").select(["sub", "at_ms", "door"]).execute();
    for (const row of rows) this.activity.merge(row.sub, { at: row.at_ms, door: row.door as Door });
  }
}
