import pg from "pg";

// BIGINT columns hold ms since the epoch, far inside a double's exact range: read them as numbers, not strings.
export const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A pool of connections to the shared database, reading BIGINT as numbers; `waitMs` bounds the wait for one. */
export function pgPool(url: string, max: number, waitMs = 5_000): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, connectionTimeoutMillis: waitMs });
  // An idle connection the server dropped (a restart) is replaced on next use; without a listener it would crash us.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * One connection of its own (not pooled): for LISTEN, and for what must live exactly as long as one session.
 * Keepalive: a server that vanished without closing (a cut) must end it in seconds, not hours, so it is replaced.
 */
export function pgClient(url: string): pg.Client {
  return new pg.Client({ connectionString: url, types: pgTypes, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
}
