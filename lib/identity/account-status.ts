import type { PortalDatabase } from "../store/db";

export interface AccountStatus {
  disabled: boolean;
  /** Sign-ins before this moment (ms) are over; 0 when none were ended. */
  sessionsValidAfter: number;
}

const OPEN: AccountStatus = { disabled: false, sessionsValidAfter: 0 };

/**
 * Whether an account may come in at all, asked by every door on every check (so kept in memory, written
 * through). Disabling an account ends its sign-ins too; the doors hear of it and close what is open.
 */
export class AccountStatuses {
  private readonly known = new Map<string, AccountStatus>();
  private readonly listeners: Array<(sub: string) => void> = [];
  private readonly stmts;

  constructor(db: PortalDatabase) {
    this.stmts = {
      get: db.prepare("SELECT disabled_at, sessions_valid_after FROM users WHERE sub = ?"),
      disable: db.prepare("UPDATE users SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), sessions_valid_after = ? WHERE sub = ?"),
      enable: db.prepare("UPDATE users SET disabled_at = NULL WHERE sub = ?"),
    };
  }

  of(sub: string): AccountStatus {
    let status = this.known.get(sub);
    if (!status) {
      const row = this.stmts.get.get(sub) as { disabled_at: string | null; sessions_valid_after: number | null } | undefined;
      status = row ? { disabled: row.disabled_at !== null, sessionsValidAfter: row.sessions_valid_after ?? 0 } : OPEN;
      if (this.known.size > 50_000) this.known.clear();
      this.known.set(sub, status);
    }
    return status;
  }

  /** May a sign-in made at `authAt` (ms) act for this account now? */
  admits(sub: string, authAt: number | undefined): boolean {
    const status = this.of(sub);
    return !status.disabled && (authAt ?? 0) > status.sessionsValidAfter;
  }

  /** Refuses the account everywhere and ends every sign-in it has; true when it was enabled before. */
  disable(sub: string): boolean {
    const changed = this.stmts.disable.run(Date.now(), sub).changes > 0;
    this.known.delete(sub);
    if (changed) for (const listener of this.listeners) listener(sub);
    return changed;
  }

  /** Lets the account in again (with a new sign-in: the ended ones stay ended). */
  enable(sub: string): void {
    this.stmts.enable.run(sub);
    this.known.delete(sub);
  }

  /** Told of every account disabled, so open terminals, apps and SSH connections can be closed. */
  onDisabled(listener: (sub: string) => void): void {
    this.listeners.push(listener);
  }
}
