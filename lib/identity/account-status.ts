import type { PortalDatabase } from "../store/db";

export interface AccountStatus {
  /** An admin of this portal disabled the account. */
  disabled: boolean;
  /** The identity provider refused the account's grant (deactivated, deleted, revoked) since its last sign-in. */
  providerRefused: boolean;
  /** Sign-ins before this moment (ms) are over; 0 when none were ended. */
  sessionsValidAfter: number;
}

/** Why an account's sign-ins and connections were all ended. */
export type ShutOutReason = "disabled by an admin" | "refused by the identity provider";

const OPEN: AccountStatus = { disabled: false, providerRefused: false, sessionsValidAfter: 0 };

/**
 * Whether an account may come in at all, asked by every door on every check (so kept in memory, written
 * through). Shutting an account out ends its sign-ins too; the doors hear of it and close what is open.
 */
export class AccountStatuses {
  private readonly known = new Map<string, AccountStatus>();
  private readonly listeners: Array<(sub: string, reason: ShutOutReason) => void> = [];
  private readonly stmts;

  constructor(db: PortalDatabase) {
    this.stmts = {
      get: db.prepare("SELECT disabled_at, provider_refused_at, sessions_valid_after FROM users WHERE sub = ?"),
      disable: db.prepare("UPDATE users SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), sessions_valid_after = ? WHERE sub = ? AND disabled_at IS NULL"),
      enable: db.prepare("UPDATE users SET disabled_at = NULL WHERE sub = ?"),
      refuse: db.prepare(
        "UPDATE users SET provider_refused_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), sessions_valid_after = ? WHERE sub = ? AND provider_refused_at IS NULL",
      ),
      accept: db.prepare("UPDATE users SET provider_refused_at = NULL WHERE sub = ?"),
    };
  }

  of(sub: string): AccountStatus {
    let status = this.known.get(sub);
    if (!status) {
      const row = this.stmts.get.get(sub) as
        | { disabled_at: string | null; provider_refused_at: string | null; sessions_valid_after: number | null }
        | undefined;
      status = row
        ? { disabled: row.disabled_at !== null, providerRefused: row.provider_refused_at !== null, sessionsValidAfter: row.sessions_valid_after ?? 0 }
        : OPEN;
      if (this.known.size > 50_000) this.known.clear();
      this.known.set(sub, status);
    }
    return status;
  }

  /** May a sign-in made at `authAt` (ms), or an SSH key now, act for this account? */
  admits(sub: string, authAt: number | undefined): boolean {
    const status = this.of(sub);
    return !status.disabled && !status.providerRefused && (authAt ?? 0) > status.sessionsValidAfter;
  }

  /** May the account sign in afresh at the provider? Only an admin's disable says no: the provider has just said yes. */
  maySignIn(sub: string): boolean {
    return !this.of(sub).disabled;
  }

  /** Refuses the account everywhere and ends every sign-in it has; true when it was enabled before. */
  disable(sub: string): boolean {
    return this.shutOut(this.stmts.disable, sub, "disabled by an admin");
  }

  /** Lets the account in again (with a new sign-in: the ended ones stay ended). */
  enable(sub: string): void {
    this.stmts.enable.run(sub);
    this.known.delete(sub);
  }

  /** The provider refused the account's grant: every sign-in ends, SSH keys stop, until it signs in there again. */
  refusedByProvider(sub: string): boolean {
    return this.shutOut(this.stmts.refuse, sub, "refused by the identity provider");
  }

  /** The provider has just signed the account in: a refusal before is over. */
  acceptedByProvider(sub: string): void {
    if (!this.of(sub).providerRefused) return;
    this.stmts.accept.run(sub);
    this.known.delete(sub);
  }

  /** Told of every account shut out, so open terminals, apps and SSH connections can be closed. */
  onShutOut(listener: (sub: string, reason: ShutOutReason) => void): void {
    this.listeners.push(listener);
  }

  private shutOut(stmt: { run(...args: unknown[]): { changes: number } }, sub: string, reason: ShutOutReason): boolean {
    const changed = stmt.run(Date.now(), sub).changes > 0;
    this.known.delete(sub);
    if (changed) for (const listener of this.listeners) listener(sub, reason);
    return changed;
  }
}
