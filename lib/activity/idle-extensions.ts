import type { PortalDb } from "../store/schema";

/**
 * "+1 h" extensions of the idle stop, kept in the portal's database: a user who extended and left must not be
 * stopped early because the portal restarted meanwhile. Each belongs to one run of the workspace (its engine start
 * time), so a later run starts without it, and what is read back is bounded again by the operator's current limit.
 */
export class IdleExtensions {
  constructor(
    private readonly db: PortalDb,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The stop this run was pushed to, or undefined. Never more than `maxMs` past the moment it was given (an operator
   * who lowered the limit since is obeyed; a row from the clock's future counts as given now), and nothing once
   * the limit is 0.
   */
  async until(sub: string, startedAt: Date | undefined, maxMs: number): Promise<number | undefined> {
    if (maxMs <= 0) return undefined;
    const row = await this.db
      .selectFrom("idle_extensions")
      .select(["until_ms", "started_at_ms", "extended_at_ms"])
      .where("sub", "=", sub)
      .executeTakeFirst();
    if (!row || row.started_at_ms !== (startedAt?.getTime() ?? null)) return undefined;
    if (!Number.isFinite(row.until_ms) || !Number.isFinite(row.extended_at_ms)) return undefined;
    return Math.min(row.until_ms, Math.min(row.extended_at_ms, this.now()) + maxMs);
  }

  async set(sub: string, startedAt: Date | undefined, until: number): Promise<void> {
    const values = { until_ms: Math.round(until), started_at_ms: startedAt?.getTime() ?? null, extended_at_ms: this.now() };
    await this.db
      .insertInto("idle_extensions")
      .values({ sub, ...values })
      .onConflict((oc) => oc.column("sub").doUpdateSet(values))
      .execute();
  }

  async forget(sub: string): Promise<void> {
    await this.db.deleteFrom("idle_extensions").where("sub", "=", sub).execute();
  }
}
