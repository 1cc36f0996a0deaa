import type { AuditLog } from "../audit/audit-log";
import type { PortalDatabase } from "../store/db";
import { parsePublicKey, PublicKeyError } from "./public-key";

export interface StoredKey {
  id: number;
  name: string;
  type: string;
  fingerprint: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface Row {
  id: number;
  sub: string;
  name: string;
  type: string;
  fingerprint: string;
  public_key: string;
  created_at: string;
  last_used_at: string | null;
}

const MAX_KEYS_PER_USER = 50;

/** Whose keys: the account, and the name its audit entries carry. */
export interface KeyOwner {
  sub: string;
  username: string;
}

/** Users' SSH public keys, in the portal's database; each added or deleted key is recorded in the audit log. */
export class SshKeyStore {
  constructor(
    private readonly db: PortalDatabase,
    private readonly audit: AuditLog | null = null,
  ) {}

  /** Adds a pasted key for the user (who must be registered); errors say what to fix. */
  add(owner: KeyOwner, text: string, name?: string): StoredKey {
    const { sub } = owner;
    const key = parsePublicKey(text);
    const label = (name?.trim() || key.comment || key.type).slice(0, 100);
    if (this.list(sub).length >= MAX_KEYS_PER_USER) throw new PublicKeyError(`You already have ${MAX_KEYS_PER_USER} keys; delete one first.`);
    try {
      const info = this.db
        .prepare("INSERT INTO ssh_keys (sub, name, type, fingerprint, public_key) VALUES (?, ?, ?, ?, ?)")
        .run(sub, label, key.type, key.fingerprint, key.openssh);
      const added = this.byId(sub, Number(info.lastInsertRowid))!;
      this.audit?.record("ssh.key.add", { actor: owner.username, subject: owner, detail: { fingerprint: added.fingerprint, name: added.name } });
      return added;
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new PublicKeyError(`You have already added this key (${key.fingerprint}).`);
      throw error;
    }
  }

  list(sub: string): StoredKey[] {
    const rows = this.db.prepare("SELECT * FROM ssh_keys WHERE sub = ? ORDER BY created_at, id").all(sub) as Row[];
    return rows.map(toKey);
  }

  remove(owner: KeyOwner, id: number): boolean {
    const removed = this.db.prepare("DELETE FROM ssh_keys WHERE sub = ? AND id = ?").run(owner.sub, id).changes > 0;
    if (removed) this.audit?.record("ssh.key.delete", { actor: owner.username, subject: owner, detail: { key: id } });
    return removed;
  }

  /** The stored key of this user with this fingerprint, if any: how a login's offered key is checked. */
  find(sub: string, fingerprint: string): (StoredKey & { publicKey: string }) | undefined {
    const row = this.db.prepare("SELECT * FROM ssh_keys WHERE sub = ? AND fingerprint = ?").get(sub, fingerprint) as Row | undefined;
    return row && { ...toKey(row), publicKey: row.public_key };
  }

  touch(id: number): void {
    this.db.prepare("UPDATE ssh_keys SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?").run(id);
  }

  private byId(sub: string, id: number): StoredKey | undefined {
    const row = this.db.prepare("SELECT * FROM ssh_keys WHERE sub = ? AND id = ?").get(sub, id) as Row | undefined;
    return row && toKey(row);
  }
}

function toKey(row: Row): StoredKey {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
