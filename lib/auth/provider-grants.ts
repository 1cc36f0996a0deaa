import { CompactEncrypt, compactDecrypt } from "jose";
import type { PortalDatabase } from "../store/db";
import { deriveKey } from "../util/derive-key";

/** What the provider last said a user may do: the rights every door applies over those in a session cookie. */
export interface ProviderRights {
  isAdmin: boolean;
  groups?: string[];
  /** When the provider said so (ms). */
  checkedAt: number;
}

export interface DueGrant {
  sub: string;
  refreshToken: string;
}

interface GrantRow {
  sub: string;
  sealed_token: string;
  is_admin: number;
  groups: string | null;
  checked_at: number;
}

/**
 * Each user's refresh token from their last sign-in, kept so the portal can ask the provider again while the
 * user is away: a sign-in's session and SSH keys outlive the moment the provider last said yes. Tokens are sealed
 * (A256GCM, a key derived from the portal's secret): a copy of portal.db alone is no credential at the provider.
 * One grant per user (the newest sign-in's), tied to the provider and client that issued it.
 */
export class ProviderGrants {
  private readonly key: Uint8Array;
  private readonly rightsCache = new Map<string, ProviderRights | null>();
  private readonly stmts;

  constructor(
    db: PortalDatabase,
    secret: string,
    private readonly issuer: string,
    private readonly clientId: string,
  ) {
    this.key = new Uint8Array(deriveKey(secret, "provider refresh tokens"));
    this.stmts = {
      save: db.prepare(
        `INSERT INTO provider_grants (sub, issuer, client_id, sealed_token, is_admin, groups, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(sub) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, sealed_token = excluded.sealed_token,
           is_admin = excluded.is_admin, groups = excluded.groups, checked_at = excluded.checked_at`,
      ),
      rotate: db.prepare("UPDATE provider_grants SET sealed_token = ? WHERE sub = ? AND sealed_token = ?"),
      rights: db.prepare("UPDATE provider_grants SET is_admin = ?, groups = ?, checked_at = ? WHERE sub = ? AND sealed_token = ?"),
      get: db.prepare("SELECT * FROM provider_grants WHERE sub = ? AND issuer = ? AND client_id = ?"),
      due: db.prepare("SELECT * FROM provider_grants WHERE issuer = ? AND client_id = ? AND checked_at <= ? ORDER BY checked_at LIMIT ?"),
      drop: db.prepare("DELETE FROM provider_grants WHERE sub = ?"),
      dropForeign: db.prepare("DELETE FROM provider_grants WHERE issuer != ? OR client_id != ?"),
      dropAll: db.prepare("DELETE FROM provider_grants"),
    };
  }

  /** Grants another provider or client issued can never be refreshed here: they are dropped at start. */
  dropForeign(): number {
    this.rightsCache.clear();
    return this.stmts.dropForeign.run(this.issuer, this.clientId).changes;
  }

  /** Every grant, when the provider that issued them is gone (the embedded one lives as long as its process). */
  dropAll(): void {
    this.rightsCache.clear();
    this.stmts.dropAll.run();
  }

  async save(sub: string, refreshToken: string, rights: ProviderRights): Promise<void> {
    const sealed = await this.seal(refreshToken);
    this.stmts.save.run(sub, this.issuer, this.clientId, sealed, rights.isAdmin ? 1 : 0, groupsColumn(rights.groups), rights.checkedAt);
    this.rightsCache.set(sub, rights);
  }

  /**
   * The provider rotated the token. Written only over the token it replaced, so a newer sign-in's grant saved
   * meanwhile is never overwritten with an older chain.
   */
  async rotate(sub: string, previous: DueGrant, refreshToken: string): Promise<boolean> {
    const sealed = await this.seal(refreshToken);
    return this.whileCurrent(sub, previous, (current) => this.stmts.rotate.run(sealed, sub, current).changes > 0);
  }

  /** The provider's current answer about this user, recorded against the grant it was asked with. */
  setRights(sub: string, grant: DueGrant, rights: ProviderRights): Promise<boolean> {
    return this.whileCurrent(sub, grant, (sealed) => {
      const changed = this.stmts.rights.run(rights.isAdmin ? 1 : 0, groupsColumn(rights.groups), rights.checkedAt, sub, sealed).changes > 0;
      if (changed) this.rightsCache.set(sub, rights);
      return changed;
    });
  }

  /** The provider refused the grant: it is gone (a later sign-in brings a new one). */
  drop(sub: string, grant?: DueGrant): Promise<boolean> {
    if (!grant) {
      this.rightsCache.delete(sub);
      return Promise.resolve(this.stmts.drop.run(sub).changes > 0);
    }
    return this.whileCurrent(sub, grant, () => {
      this.rightsCache.delete(sub);
      return this.stmts.drop.run(sub).changes > 0;
    });
  }

  /** Rights as last checked, or null for a user with no grant (signed in before grants were kept). */
  rights(sub: string): ProviderRights | null {
    let rights = this.rightsCache.get(sub);
    if (rights === undefined) {
      const row = this.row(sub);
      rights = row ? { isAdmin: row.is_admin === 1, ...(row.groups ? { groups: JSON.parse(row.groups) as string[] } : {}), checkedAt: row.checked_at } : null;
      if (this.rightsCache.size > 50_000) this.rightsCache.clear();
      this.rightsCache.set(sub, rights);
    }
    return rights;
  }

  /** Grants last checked at or before `before` (ms), oldest first. */
  async due(before: number, limit: number): Promise<DueGrant[]> {
    const rows = this.stmts.due.all(this.issuer, this.clientId, before, limit) as GrantRow[];
    const grants: DueGrant[] = [];
    for (const row of rows) {
      const refreshToken = await this.open(row.sealed_token).catch(() => null);
      // Sealed under another secret (AUTH_SECRET changed): unusable, like a grant from another provider.
      if (refreshToken === null) this.stmts.drop.run(row.sub);
      else grants.push({ sub: row.sub, refreshToken });
    }
    return grants;
  }

  private row(sub: string): GrantRow | undefined {
    return this.stmts.get.get(sub, this.issuer, this.clientId) as GrantRow | undefined;
  }

  private async whileCurrent(sub: string, grant: DueGrant, write: (sealed: string) => boolean): Promise<boolean> {
    const row = this.row(sub);
    if (!row || (await this.open(row.sealed_token).catch(() => null)) !== grant.refreshToken) return false;
    return write(row.sealed_token);
  }

  private seal(token: string): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(token)).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).encrypt(this.key);
  }

  private async open(sealed: string): Promise<string> {
    const { plaintext } = await compactDecrypt(sealed, this.key, { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
    return new TextDecoder().decode(plaintext);
  }
}

function groupsColumn(groups: string[] | undefined): string | null {
  return groups ? JSON.stringify(groups) : null;
}
