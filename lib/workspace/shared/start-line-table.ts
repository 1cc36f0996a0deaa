import { sql } from "kysely";
import type { PortalDb } from "../../store/schema";
import { decideLine, type LineRow } from "./line-decision";
import { LOCK_SPACE } from "./lock-keys";

/** The channel a decision is announced on: each process then reads what it decided for its own places. */
export const LINE_CHANNEL = "start_line";

export interface DecisionOutcome {
  /** Subjects waiting at a place beyond the slots, first first. */
  waiting: string[];
}

/**
 * The shared line's decision, one at a time across processes (a transaction-level advisory lock: it ends with the
 * transaction, whatever happens to the process). The engine is asked inside the lock: what it runs and what was let
 * through are counted together, so two deciders never both hand out the last slot.
 *
 * Places whose holder is gone (its lock no longer in pg_locks, which lists the whole server's: this database's only)
 * are dropped once gone for `orphanGraceMs` (the database's clock), so a dead process blocks no one for long, while
 * a process whose connection was only cut takes its key back in time and keeps its places.
 */
export async function decideShared(db: PortalDb, cap: number, running: () => Promise<string[]>, orphanGraceMs: number): Promise<DecisionOutcome> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_SPACE.lineDecision})`.execute(tx);
    const now = sql`(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
    const live = sql`SELECT objid::text FROM pg_locks WHERE locktype = 'advisory'
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = ${LOCK_SPACE.lineHolder}::oid AND objsubid = 2 AND granted`;
    await sql`UPDATE start_line SET orphaned_at = CASE WHEN holder IN (${live}) THEN NULL ELSE COALESCE(orphaned_at, ${now}) END`.execute(tx);
    await sql`DELETE FROM start_line WHERE orphaned_at < ${now} - ${orphanGraceMs}`.execute(tx);
    const found = await tx.selectFrom("start_line").select(["id", "sub", "ready", "state", "position"]).where("state", "!=", "go").orderBy("id").execute();
    const rows: LineRow[] = found.map((r) => ({ ...r, ready: r.ready === 1 }));
    if (!rows.some((r) => r.state === "waiting")) return { waiting: [] };
    const changes = decideLine(rows, new Set(await running()), cap);
    for (const change of changes) {
      await tx.updateTable("start_line").set({ state: change.state, position: change.position }).where("id", "=", change.id).execute();
    }
    // Delivered when the transaction commits, to every process listening: the waiters read their new places then.
    if (changes.length > 0) await sql`SELECT pg_notify(${LINE_CHANNEL}, '')`.execute(tx);
    const after = new Map(changes.map((c) => [c.id, c]));
    return { waiting: rows.map((r) => ({ sub: r.sub, position: after.get(r.id)?.position ?? r.position })).filter((r) => r.position > 0).map((r) => r.sub) };
  });
}

/** Who waits at a place beyond the slots now, first first, across every process. */
export async function waitingShared(db: PortalDb): Promise<string[]> {
  const rows = await db.selectFrom("start_line").select("sub").where("state", "=", "waiting").where("position", ">", 0).orderBy("id").execute();
  return rows.map((r) => r.sub);
}
