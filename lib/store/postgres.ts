import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { MIGRATIONS } from "./migrations";
import { pgPool, pgTypes } from "./pg-connections";
import type { PortalSchema } from "./schema";
import type { DedicatedSession, PortalStore } from "./store";

/** Any number, the same in every portal process: the lock that lets one of them migrate at a time. */
const MIGRATION_LOCK = 0x5c17e;

export interface PostgresOptions {
  url: string;
  /** Connections this process keeps at most. */
  poolSize: number;
}

/**
 * The shared database of several portal processes (or a cluster): PostgreSQL through a pool. Every process brings
 * the schema up to date at start, one at a time (an advisory lock), so processes of one version can start together.
 */
export async function openPostgresStore(options: PostgresOptions): Promise<PortalStore> {
  const pool = pgPool(options.url, options.poolSize);
  await migrate(pool);
  const db = new Kysely<PortalSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: "postgres",
    db,
    where: describe(options.url),
    async proveWritable() {
      const { rows } = await pool.query<{ recovery: boolean }>("SELECT pg_is_in_recovery() AS recovery").catch((error: Error) => {
        throw new Error(`PostgreSQL does not answer (${error.message || error.name})`);
      });
      if (rows[0]?.recovery) throw new Error("the database is a read-only standby");
    },
    openSession: (name) => openDedicatedSession(options.url, name),
    close: () => db.destroy(),
  };
}

async function openDedicatedSession(url: string, name: string): Promise<DedicatedSession> {
  // Keepalive: a peer that vanished without closing (a pulled cable) must not hold its lock for hours.
  const client = new pg.Client({ connectionString: url, application_name: name, types: pgTypes, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  let ended = false;
  const listeners: Array<() => void> = [];
  const end = () => {
    if (ended) return;
    ended = true;
    for (const listener of listeners) listener();
  };
  client.on("error", () => {
    end();
    void client.end().catch(() => undefined);
  });
  client.on("end", end);
  await client.connect();
  return {
    query: async <R extends object>(sql: string, params: unknown[] = []) => (await client.query<R>(sql, params)).rows,
    onEnd: (listener) => {
      if (ended) listener();
      else listeners.push(listener);
    },
    close: async () => {
      await client.end().catch(() => undefined);
      end();
    },
  };
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    // Held for the whole upgrade (even the first CREATE races between processes otherwise); ends with the session.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_version");
    if (rows.length === 0) await client.query("INSERT INTO schema_version (version) VALUES (0)");
    for (let version = rows[0]?.version ?? 0; version < MIGRATIONS.length; version++) {
      await client.query("BEGIN");
      try {
        await client.query(MIGRATIONS[version]!.postgres);
        await client.query("UPDATE schema_version SET version = $1", [version + 1]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new Error(`could not bring the database to schema version ${version + 1}: ${(error as Error).message}`);
      }
    }
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    // A failed upgrade's connection is closed, not pooled: the session-level lock goes with it.
    client.release(failed);
  }
}

/** The server and database of a connection URL, without user or password. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.host || parsed.searchParams.get("host") || "local socket";
    return `postgresql ${host}${parsed.pathname}`;
  } catch {
    return "postgresql";
  }
}
