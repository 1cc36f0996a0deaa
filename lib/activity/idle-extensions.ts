import type { PortalDatabase } from "../store/db";

interface Row {
  until_ms: number;
  started_at_ms: number | null;
  extended_at_ms: number;
}

/**
 * "+1 h" extensions of the idle stop, kept in the portal's database: a user who extended and left must not be
 * stopped early because the portal restarted meanwhile. Each belongs to one run of the workspace (its engine start
 * time), so a later run starts without it, and what is read back is bounded again by the operator's current limit.
 */
export class IdleExtensions {
  private readonly stmts;

  constructor(
    db: PortalDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      get: db.prepare("SELECT until_ms, started_at_ms, extended_at_ms FROM idle_extensions WHERE sub = ?"),
      set: db.prepare("INSERT OR REPLACE INTO idle_extensions (sub, until_ms, started_at_ms, extended_at_ms) VALUES (?, ?, ?, ?)"),
      delete: db.prepare("DELETE FROM idle_extensions WHERE sub = ?"),
    };
  }

  /**
   * The stop this run was pushed to, or undefined. Never more than `maxMs` past the moment it was given (an operator
   * who lowered the limit since is obeyed; a row from the clock's future counts as given now), and nothing once
   * the limit is 0.
   */
  until(sub: string, startedAt: Date | undefined, maxMs: number): number | undefined {
    if (maxMs <= 0) return undefined;
    const row = this.stmts.get.get(sub) as Row | undefined;
    if (!row || row.started_at_ms !== (startedAt?.getTime() ?? null)) return undefined;
    if (!Number.isFinite(row.until_ms) || !Number.isFinite(row.extended_at_ms)) return undefined;
    return Math.min(row.until_ms, Math.min(row.extended_at_ms, this.now()) + maxMs);
  }

  set(sub: string, startedAt: Date | undefined, until: number): void {
    this.stmts.set.run(sub, Math.round(until), startedAt?.getTime() ?? null, this.now());
  }

  forget(sub: string): void {
    this.stmts.delete.run(sub);
  }
}
