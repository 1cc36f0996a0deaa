import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { MIGRATIONS } from "./migrations";
import type { PortalSchema } from "./schema";
import type { PortalStore } from "./store";

/**
 * The single-host default: SQLite in the data directory, in this process. Kysely's SQLite driver runs one query at
 * a time on the one connection, so a transaction's statements never interleave with another's.
 */
export function openSqliteStore(dataRoot: string): PortalStore {
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
  const file = path.join(dataRoot, "portal.db");
  const database = new Database(file);
  database.pragma("journal_mode = WAL");
  // Sessions, tickets and audit entries are nobody's business but the portal's: owner-only, however the umask.
  for (const part of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(part)) fs.chmodSync(part, 0o600);
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  migrate(database);
  const db = new Kysely<PortalSchema>({ dialect: new SqliteDialect({ database }) });
  return {
    kind: "sqlite",
    db,
    where: file,
    async proveWritable() {
      // Takes the write lock and lets it go: throws when the file cannot be written (disk full, read-only, locked).
      database.exec("BEGIN IMMEDIATE; ROLLBACK;");
    },
    close: () => db.destroy(),
  };
}

function migrate(database: Database.Database): void {
  const current = database.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    database.transaction(() => {
      database.exec(MIGRATIONS[version]!.sqlite);
      database.pragma(`user_version = ${version + 1}`);
    })();
  }
}
