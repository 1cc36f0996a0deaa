import type { AuditLog } from "../audit/audit-log";
import { isUniqueViolation } from "../store/conflict";
import { isoNow, type PortalDb } from "../store/schema";
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
    private readonly db: PortalDb,
    private readonly audit: AuditLog | null = null,
  ) {}

  /** Adds a pasted key for the user (who must be registered); errors say what to fix. */
  async add(owner: KeyOwner, text: string, name?: string): Promise<StoredKey> {
    const { sub } = owner;
    const key = parsePublicKey(text);
    const label = (name?.trim() || key.comment || key.type).slice(0, 100);
    if ((await this.list(sub)).length >= MAX_KEYS_PER_USER) throw new PublicKeyError(`You already have ${MAX_KEYS_PER_USER} keys; delete one first.`);
    let row: Row;
    try {
      row = await this.db
        .insertInto("ssh_keys")
        .values({ sub, name: label, type: key.type, fingerprint: key.fingerprint, public_key: key.openssh })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error)) throw new PublicKeyError(`You have already added this key (${key.fingerprint}).`);
      throw error;
    }
    const added = toKey(row);
    await this.audit?.record("ssh.key.add", { actor: owner.username, subject: owner, detail: { fingerprint: added.fingerprint, name: added.name } });
    return added;
  }

  async list(sub: string): Promise<StoredKey[]> {
    const rows = await this.db.selectFrom("ssh_keys").selectAll().where("sub", "=", sub).orderBy("created_at").orderBy("id").execute();
    return rows.map(toKey);
  }

  async remove(owner: KeyOwner, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom("ssh_keys").where("sub", "=", owner.sub).where("id", "=", id).executeTakeFirst();
    const removed = result.numDeletedRows > 0n;
    if (removed) await this.audit?.record("ssh.key.delete", { actor: owner.username, subject: owner, detail: { key: id } });
    return removed;
  }

  /** The stored key of this user with this fingerprint, if any: how a login's offered key is checked. */
  async find(sub: string, fingerprint: string): Promise<(StoredKey & { publicKey: string }) | undefined> {
    const row = await this.db.selectFrom("ssh_keys").selectAll().where("sub", "=", sub).where("fingerprint", "=", fingerprint).executeTakeFirst();
    return row && { ...toKey(row), publicKey: row.public_key };
  }

  async touch(id: number): Promise<void> {
    await this.db.updateTable("ssh_keys").set({ last_used_at: isoNow() }).where("id", "=", id).execute();
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
