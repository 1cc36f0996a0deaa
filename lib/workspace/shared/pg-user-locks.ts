import { sql } from "kysely";
import type pg from "pg";
import type { PortalDb } from "../../store/schema";
import { KeyedMutex } from "../../util/keyed-mutex";
import type { UserLocks } from "../user-locks";
import { LOCK_SPACE, lockKey } from "./lock-keys";

/**
 * The per-user start/stop lock across every portal process on one PostgreSQL database: a session advisory lock on
 * a connection held for the critical section. If the holding process dies, its connection and the lock go with it.
 * Requests of one process queue in memory first, so a user's burst of requests holds one connection, not one each.
 */
export class PgUserLocks implements UserLocks {
  private readonly local = new KeyedMutex();

  /**
   * `pool` is the locks' own: a connection is held as long as a start takes, which must not starve the store's
   * queries (the start itself makes some). `db` answers the quick question of who holds a lock.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly db: PortalDb,
  ) {}

  run<T>(sub: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(sub, async () => {
      const key = [LOCK_SPACE.user, lockKey(sub)];
      const client = await this.pool.connect();
      // The pool listens only to idle connections: one lost while held (the server restarted) must not crash the
      // process. The lock went with it; the unlock below then fails and the connection is thrown away.
      const lost = () => undefined;
      client.on("error", lost);
      const release = (error?: Error) => {
        client.off("error", lost);
        client.release(error);
      };
      try {
        await client.query("SELECT pg_advisory_lock($1, $2)", key);
      } catch (error) {
        release(error as Error);
        throw error;
      }
      try {
        return await work();
      } finally {
        try {
          await client.query("SELECT pg_advisory_unlock($1, $2)", key);
          release();
        } catch (error) {
          // Closed, not pooled: ending the connection ends the lock the unlock could not.
          release(error as Error);
        }
      }
    });
  }

  /** Held here, or by any process (pg_locks shows every session's advisory locks, whoever's role, on every database of the server). */
  async isBusy(sub: string): Promise<boolean> {
    if (this.local.isBusy(sub)) return true;
    const { rows } = await sql<{ held: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = ${LOCK_SPACE.user}::oid AND objid = ${lockKey(sub)}::oid AND objsubid = 2) AS held`.execute(this.db);
    return rows[0]!.held;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
