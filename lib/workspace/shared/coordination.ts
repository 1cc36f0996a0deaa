import type { Logger } from "pino";
import type { DatabaseConfig } from "../../config/env";
import { pgPool } from "../../store/pg-connections";
import type { PortalDb } from "../../store/schema";
import { KeyedMutex } from "../../util/keyed-mutex";
import { StartGate } from "../start-gate";
import type { StartLine } from "../start-line";
import type { UserLocks } from "../user-locks";
import { PgUserLocks } from "./pg-user-locks";
import { SharedStartLine } from "./shared-start-line";

/** The per-user lock and the start line, as the store calls for. */
export interface StartCoordination {
  locks: UserLocks;
  line: StartLine;
  close(): Promise<void>;
}

export interface LineSettings {
  cap: number;
  maxWaitMs: number;
  running: () => Promise<string[]>;
}

/**
 * SQLite means one process: its lock and line live in memory, as they always did. PostgreSQL means there may be
 * several: both are kept where every process sees them.
 */
export async function startCoordination(database: DatabaseConfig, db: PortalDb, line: LineSettings, log: Logger): Promise<StartCoordination> {
  if (database.kind === "sqlite") {
    return { locks: new KeyedMutex(), line: new StartGate(line.cap, line.maxWaitMs, line.running), close: async () => undefined };
  }
  // Each lock holds a connection for a whole start: twice the store's pool, waited for as long as a start may take.
  const locks = new PgUserLocks(pgPool(database.url, database.poolSize * 2, 60_000), db);
  const shared = await SharedStartLine.open({ ...line, db, url: database.url, log });
  return {
    locks,
    line: shared,
    close: async () => {
      await shared.close();
      await locks.close();
    },
  };
}
