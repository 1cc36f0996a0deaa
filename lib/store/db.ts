import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type PortalDatabase = Database.Database;

// Append-only: a migration once shipped is never edited, so every data directory upgrades the same way.
const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     sub TEXT PRIMARY KEY,
     username TEXT NOT NULL,
     slug TEXT NOT NULL UNIQUE,
     email TEXT,
     name TEXT,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
     updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
   );
   CREATE INDEX users_username ON users(username);`,
  `CREATE TABLE ssh_keys (
     id INTEGER PRIMARY KEY,
     sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
     name TEXT NOT NULL,
     type TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     public_key TEXT NOT NULL,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
     last_used_at TEXT,
     UNIQUE (sub, fingerprint)
   );
   CREATE INDEX ssh_keys_fingerprint ON ssh_keys(fingerprint);`,
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
     action TEXT NOT NULL,
     actor TEXT,
     subject_sub TEXT,
     subject_name TEXT,
     detail TEXT
   );
   CREATE INDEX audit_log_at ON audit_log(at);
   CREATE INDEX audit_log_subject ON audit_log(subject_sub, action, at);`,
  `ALTER TABLE users ADD COLUMN groups TEXT;`,
  `CREATE TABLE app_tickets_used (
     jti TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE app_sessions (
     token_hash TEXT PRIMARY KEY,
     sub TEXT NOT NULL,
     host TEXT NOT NULL,
     portal_sid TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX app_sessions_portal_sid ON app_sessions(portal_sid);
   CREATE TABLE ended_portal_sessions (
     sid TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
  // Each user's own host uid (WORKSPACE_UID_BASE + uid_index), given at first need and never reused.
  `ALTER TABLE users ADD COLUMN uid_index INTEGER;
   CREATE UNIQUE INDEX users_uid_index ON users(uid_index);`,
  // An admin's "disable": no door lets the account in while set, and sign-ins from before it are over for good.
  `ALTER TABLE users ADD COLUMN disabled_at TEXT;
   ALTER TABLE users ADD COLUMN sessions_valid_after INTEGER;`,
  // The provider's word, asked again while users are away: each user's newest refresh token (sealed) and the
  // rights it last gave; an account the provider refused stays refused until its next sign-in there.
  `CREATE TABLE provider_grants (
     sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE,
     issuer TEXT NOT NULL,
     client_id TEXT NOT NULL,
     sealed_token TEXT NOT NULL,
     is_admin INTEGER NOT NULL,
     groups TEXT,
     checked_at INTEGER NOT NULL
   );
   CREATE INDEX provider_grants_checked_at ON provider_grants(checked_at);
   ALTER TABLE users ADD COLUMN provider_refused_at TEXT;`,
  // "+1 h" on the idle stop, for the workspace run (engine start time, ms) it was given in: kept across restarts.
  `CREATE TABLE idle_extensions (
     sub TEXT PRIMARY KEY,
     until_ms INTEGER NOT NULL,
     started_at_ms INTEGER,
     extended_at_ms INTEGER NOT NULL
   );`,
  // Each account's newest sign-in (ms): what SSH keys of an account the provider cannot be asked about rest on.
  // No reference to users: a session cookie can be seen before its user is registered.
  `CREATE TABLE sign_ins (
     sub TEXT PRIMARY KEY,
     at_ms INTEGER NOT NULL
   );`,
];

/** Opens (creating if needed) the portal's SQLite database in the data directory and brings its schema up to date. */
export function openDatabase(dataRoot: string): PortalDatabase {
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
  const file = path.join(dataRoot, "portal.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // Sessions, tickets and audit entries are nobody's business but the portal's: owner-only, however the umask.
  for (const part of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(part)) fs.chmodSync(part, 0o600);
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

/** Takes the write lock and lets it go: throws when the database cannot be written (disk full, read-only, locked). */
export function proveWritable(db: PortalDatabase): void {
  db.exec("BEGIN IMMEDIATE; ROLLBACK;");
}

function migrate(db: PortalDatabase): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
