import { isoNow, type PortalDb } from "../store/schema";
import { Remembered } from "../util/remembered";

export interface AccountStatus {
  /** An admin of this portal disabled the account. */
  disabled: boolean;
  /** The identity provider refused the account's grant (deactivated, deleted, revoked) since its last sign-in. */
  providerRefused: boolean;
  /** Sign-ins before this moment (ms) are over; 0 when none were ended. */
  sessionsValidAfter: number;
}

/** Why an account's sign-ins and connections were all ended. */
export const SHUT_OUT_REASONS = ["disabled by an admin", "refused by the identity provider"] as const;
export type ShutOutReason = (typeof SHUT_OUT_REASONS)[number];

/** Where an account was shut out: in this process, or in another one sharing the database (which recorded it). */
export type ShutOutWhere = "here" | "elsewhere";

/** What one process hears from the others of an account (lib/identity/account-news), or `all` after missing some. */
export type AccountNews = { sub: string; shutOut: ShutOutReason | null } | { all: true };

/** How this process tells the others that an account changed; none where it runs alone. */
export interface AccountNewsOut {
  announce(sub: string, shutOut: ShutOutReason | null): Promise<void>;
}

export interface AccountStatusOptions {
  news?: AccountNewsOut;
  /** How long a remembered status is believed (a safety net under the news, which a crash can lose). */
  maxAgeMs?: number;
}

const OPEN: AccountStatus = { disabled: false, providerRefused: false, sessionsValidAfter: 0 };

/**
 * Whether an account may come in at all, asked by every door on every check (so kept in memory, written
 * through). Shutting an account out ends its sign-ins too; the doors hear of it and close what is open.
 */
export class AccountStatuses {
  private readonly known: Remembered<AccountStatus>;
  private readonly listeners: Array<(sub: string, reason: ShutOutReason, where: ShutOutWhere) => void | Promise<void>> = [];
  private readonly newsListeners: Array<(sub: string | null) => void> = [];

  constructor(
    private readonly db: PortalDb,
    private readonly options: AccountStatusOptions = {},
    now: () => number = Date.now,
  ) {
    this.known = new Remembered(options.maxAgeMs, now);
  }

  async of(sub: string): Promise<AccountStatus> {
    let status = this.known.get(sub);
    if (!status) {
      const row = await this.db
        .selectFrom("users")
        .select(["disabled_at", "provider_refused_at", "sessions_valid_after"])
        .where("sub", "=", sub)
        .executeTakeFirst();
      status = row
        ? { disabled: row.disabled_at !== null, providerRefused: row.provider_refused_at !== null, sessionsValidAfter: row.sessions_valid_after ?? 0 }
        : OPEN;
      this.known.set(sub, status);
    }
    return status;
  }

  /** May a sign-in made at `authAt` (ms), or an SSH key now, act for this account? */
  async admits(sub: string, authAt: number | undefined): Promise<boolean> {
    const status = await this.of(sub);
    return !status.disabled && !status.providerRefused && (authAt ?? 0) > status.sessionsValidAfter;
  }

  /** May the account sign in afresh at the provider? Only an admin's disable says no: the provider has just said yes. */
  async maySignIn(sub: string): Promise<boolean> {
    return !(await this.of(sub)).disabled;
  }

  /** Refuses the account everywhere and ends every sign-in it has; true when it was enabled before. */
  disable(sub: string): Promise<boolean> {
    return this.shutOut("disabled_at", sub, "disabled by an admin");
  }

  /** Lets the account in again (with a new sign-in: the ended ones stay ended). */
  async enable(sub: string): Promise<void> {
    await this.db.updateTable("users").set({ disabled_at: null }).where("sub", "=", sub).execute();
    this.known.delete(sub);
    await this.announce(sub, null);
  }

  /** The provider refused the account's grant: every sign-in ends, SSH keys stop, until it signs in there again. */
  refusedByProvider(sub: string): Promise<boolean> {
    return this.shutOut("provider_refused_at", sub, "refused by the identity provider");
  }

  /** The provider has just signed the account in: a refusal before is over. */
  async acceptedByProvider(sub: string): Promise<void> {
    if (!(await this.of(sub)).providerRefused) return;
    await this.db.updateTable("users").set({ provider_refused_at: null }).where("sub", "=", sub).execute();
    this.known.delete(sub);
    await this.announce(sub, null);
  }

  /**
   * Told of every account shut out, here or (where processes share the database) in another process, so this
   * process's open terminals, apps and SSH connections can be closed.
   */
  onShutOut(listener: (sub: string, reason: ShutOutReason, where: ShutOutWhere) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** The provider gave the account other rights (admin, groups), recorded in the database: the others read them again. */
  rightsChanged(sub: string): Promise<void> {
    return this.announce(sub, null);
  }

  /**
   * Told of every account another process changed (null: any may have changed), so what this process keeps of
   * accounts beside their status (provider rights, remembered sessions) is read again.
   */
  onChangedElsewhere(listener: (sub: string | null) => void): void {
    this.newsListeners.push(listener);
  }

  /** What another process announced: what was remembered of the account is read again, and a shut-out acted on. */
  async heard(news: AccountNews): Promise<void> {
    const sub = "all" in news ? null : news.sub;
    for (const listener of this.newsListeners) listener(sub);
    if ("all" in news) return void this.known.clear();
    this.known.delete(news.sub);
    if (news.shutOut) await this.tellShutOut(news.sub, news.shutOut, "elsewhere");
  }

  /** Marks the account shut out by `mark` (once: a second mark changes nothing) and ends every sign-in it has. */
  private async shutOut(mark: "disabled_at" | "provider_refused_at", sub: string, reason: ShutOutReason): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ [mark]: isoNow(), sessions_valid_after: Date.now() })
      .where("sub", "=", sub)
      .where(mark, "is", null)
      .executeTakeFirst();
    const changed = result.numUpdatedRows > 0n;
    this.known.delete(sub);
    if (changed) await Promise.all([this.announce(sub, reason), this.tellShutOut(sub, reason, "here")]);
    return changed;
  }

  // Every listener runs even when one fails (a database write): each closes another door.
  private async tellShutOut(sub: string, reason: ShutOutReason, where: ShutOutWhere): Promise<void> {
    await Promise.allSettled(this.listeners.map(async (listener) => listener(sub, reason, where)));
  }

  // A lost announcement leaves the others to their safety net (maxAgeMs); the change itself is written.
  private async announce(sub: string, shutOut: ShutOutReason | null): Promise<void> {
    await this.options.news?.announce(sub, shutOut).catch(() => undefined);
  }
}
