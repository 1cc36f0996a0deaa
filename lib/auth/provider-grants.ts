import { CompactEncrypt, compactDecrypt } from "jose";
import type { PortalDb } from "../store/schema";
import { deriveKey } from "../util/derive-key";
import { Remembered } from "../util/remembered";

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
  /** Rights as read or written here; none believed longer than `maxAgeMs` (other processes may write them). */
  private readonly rightsCache: Remembered<ProviderRights | null>;

  constructor(
    private readonly db: PortalDb,
    secret: string,
    private readonly issuer: string,
    private readonly clientId: string,
    maxAgeMs = Number.POSITIVE_INFINITY,
    now: () => number = Date.now,
  ) {
    this.rightsCache = new Remembered(maxAgeMs, now);
    this.key = new Uint8Array(deriveKey(secret, "provider refresh tokens"));
  }

  /** Grants another provider or client issued can never be refreshed here: they are dropped at start. */
  async dropForeign(): Promise<number> {
    this.rightsCache.clear();
    const result = await this.db
      .deleteFrom("provider_grants")
      .where((eb) => eb.or([eb("issuer", "!=", this.issuer), eb("client_id", "!=", this.clientId)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Every grant, when the provider that issued them is gone (the embedded one lives as long as its process). */
  async dropAll(): Promise<void> {
    this.rightsCache.clear();
    await this.db.deleteFrom("provider_grants").execute();
  }

  async save(sub: string, refreshToken: string, rights: ProviderRights): Promise<void> {
    const sealed = await this.seal(refreshToken);
    const values = {
      issuer: this.issuer,
      client_id: this.clientId,
      sealed_token: sealed,
      is_admin: rights.isAdmin ? 1 : 0,
      groups: groupsColumn(rights.groups),
      checked_at: rights.checkedAt,
    };
    await this.db
      .insertInto("provider_grants")
      .values({ sub, ...values })
      .onConflict((oc) => oc.column("sub").doUpdateSet(values))
      .execute();
    this.rightsCache.set(sub, rights);
  }

  /**
   * The provider rotated the token. Written only over the token it replaced, so a newer sign-in's grant saved
   * meanwhile is never overwritten with an older chain.
   */
  async rotate(sub: string, previous: DueGrant, refreshToken: string): Promise<boolean> {
    const sealed = await this.seal(refreshToken);
    return this.whileCurrent(sub, previous, async (current) => {
      const result = await this.db
        .updateTable("provider_grants")
        .set({ sealed_token: sealed })
        .where("sub", "=", sub)
        .where("sealed_token", "=", current)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** The provider's current answer about this user, recorded against the grant it was asked with. */
  setRights(sub: string, grant: DueGrant, rights: ProviderRights): Promise<boolean> {
    return this.whileCurrent(sub, grant, async (sealed) => {
      const result = await this.db
        .updateTable("provider_grants")
        .set({ is_admin: rights.isAdmin ? 1 : 0, groups: groupsColumn(rights.groups), checked_at: rights.checkedAt })
        .where("sub", "=", sub)
        .where("sealed_token", "=", sealed)
        .executeTakeFirst();
      const changed = result.numUpdatedRows > 0n;
      if (changed) this.rightsCache.set(sub, rights);
      return changed;
    });
  }

  /** The provider refused the grant: it is gone (a later sign-in brings a new one). */
  async drop(sub: string, grant?: DueGrant): Promise<boolean> {
    const remove = async () => {
      this.rightsCache.delete(sub);
      const result = await this.db.deleteFrom("provider_grants").where("sub", "=", sub).executeTakeFirst();
      return result.numDeletedRows > 0n;
    };
    return grant ? this.whileCurrent(sub, grant, remove) : remove();
  }

  /** Another process recorded this account's rights anew: they are read again on the next ask. */
  forget(sub: string): void {
    this.rightsCache.delete(sub);
  }

  /** Everything remembered is read again (news from the other processes may have been missed). */
  forgetAll(): void {
    this.rightsCache.clear();
  }

  /** Rights as last checked, or null for a user with no grant (signed in before grants were kept). */
  async rights(sub: string): Promise<ProviderRights | null> {
    let rights = this.rightsCache.get(sub);
    if (rights === undefined) {
      const row = await this.row(sub);
      rights = row ? { isAdmin: row.is_admin === 1, ...(row.groups ? { groups: JSON.parse(row.groups) as string[] } : {}), checkedAt: row.checked_at } : null;
      this.rightsCache.set(sub, rights);
    }
    return rights;
  }

  /** Grants last checked at or before `before` (ms), oldest first. */
  async due(before: number, limit: number): Promise<DueGrant[]> {
    const rows = await this.db
      .selectFrom("provider_grants")
      .selectAll()
      .where("issuer", "=", this.issuer)
      .where("client_id", "=", this.clientId)
      .where("checked_at", "<=", before)
      .orderBy("checked_at")
      .limit(limit)
      .execute();
    const grants: DueGrant[] = [];
    for (const row of rows) {
      const refreshToken = await this.open(row.sealed_token).catch(() => null);
      // Sealed under another secret (AUTH_SECRET changed): unusable, like a grant from another provider.
      if (refreshToken === null) await this.db.deleteFrom("provider_grants").where("sub", "=", row.sub).execute();
      else grants.push({ sub: row.sub, refreshToken });
    }
    return grants;
  }

  private row(sub: string): Promise<GrantRow | undefined> {
    return this.db
      .selectFrom("provider_grants")
      .selectAll()
      .where("sub", "=", sub)
      .where("issuer", "=", this.issuer)
      .where("client_id", "=", this.clientId)
      .executeTakeFirst();
  }

  private async whileCurrent(sub: string, grant: DueGrant, write: (sealed: string) => Promise<boolean>): Promise<boolean> {
    const row = await this.row(sub);
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
