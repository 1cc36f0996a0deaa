import type { AccountStatuses } from "./account-status";
import type { SignIns } from "./sign-ins";

/** What a door that holds no sign-in (an SSH key) may do for an account now. */
export type StandingVerdict = "admitted" | "shut out" | "sign in to renew";

export interface StandingAccessDeps {
  accounts: AccountStatuses;
  signIns: SignIns;
  /** Is the provider asked about this account periodically (a grant kept, and the re-check on)? */
  rechecked(sub: string): Promise<boolean>;
  /** How long a sign-in lasts (the session lifetime). */
  lifetimeMs: number;
}

/**
 * The provider's yes behind a credential that outlives sign-ins. An account the provider is re-asked about
 * stands until the provider or an admin says otherwise. One it cannot be asked about (no refresh token kept:
 * signed in before grants were kept, a provider that issues none, or the re-check turned off) stands only as long
 * as a sign-in would: past that, Django may have disabled it unseen, so it must sign in again to renew.
 */
export class StandingAccess {
  constructor(private readonly deps: StandingAccessDeps) {}

  async check(sub: string, now = Date.now()): Promise<StandingVerdict> {
    const { accounts, signIns, rechecked, lifetimeMs } = this.deps;
    if (!(await accounts.admits(sub, now))) return "shut out";
    if (await rechecked(sub)) return "admitted";
    const last = await signIns.last(sub);
    return last !== null && now - last < lifetimeMs ? "admitted" : "sign in to renew";
  }
}
