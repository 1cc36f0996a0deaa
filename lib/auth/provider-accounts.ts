import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log";
import type { AccountStatuses } from "../identity/account-status";
import type { UserRegistry } from "../identity/registry";
import type { PortalDb } from "../store/schema";
import { userFromClaims } from "./next-auth-options";
import { OpenIdProviderClient, type ProviderClient } from "./provider-client";
import { ProviderGrants, type ProviderRights } from "./provider-grants";
import { ProviderRecheck, type RecheckOutcome } from "./provider-recheck";
import type { SessionUser } from "./session-user";
import type { AuthSettings } from "./settings";

export interface ProviderAccountsDeps {
  db: PortalDb;
  settings: AuthSettings;
  /** 0: the provider is asked only at sign-in. */
  recheckMs: number;
  registry: UserRegistry;
  accounts: AccountStatuses;
  audit: AuditLog;
  log: Logger;
  /** The discovery document's URL, or null while the provider is unreachable. */
  wellKnown(): Promise<string | null>;
  /** Remembered sessions of this account are stale: the doors ask again. */
  reconsider(sub: string): void;
  onOutcome(outcome: RecheckOutcome): void;
  /** How long rights read are believed (where other processes may write them); for ever by default. */
  rightsMaxAgeMs?: number;
  client?: ProviderClient;
}

/**
 * The provider's word about each account, kept after sign-in: the grant each sign-in brings, the rights it gives,
 * and the periodic re-check that follows the provider (a new admin, a lost group, a deactivated account).
 */
export class ProviderAccounts {
  readonly grants: ProviderGrants;
  readonly recheck: ProviderRecheck | null;

  constructor(private readonly deps: ProviderAccountsDeps) {
    const { settings, log } = deps;
    this.grants = new ProviderGrants(deps.db, settings.secret, settings.oidc.issuer, settings.oidc.clientId, deps.rightsMaxAgeMs);
    this.recheck =
      deps.recheckMs > 0
        ? new ProviderRecheck({
            grants: this.grants,
            client: deps.client ?? new OpenIdProviderClient(settings.oidc, deps.wellKnown),
            userFrom: (claims) => userFromClaims(claims as never, settings),
            onUser: (user, changed, before) => this.followed(user, changed, before),
            onRefused: (sub, reason) => this.refused(sub, reason),
            onOutcome: deps.onOutcome,
            log,
            intervalMs: deps.recheckMs,
          })
        : null;
  }

  /** A sign-in at the provider: it has just said yes, so a refusal before is over, and its grant is kept. */
  async signedIn(user: SessionUser, refreshToken: string | undefined): Promise<void> {
    await this.deps.accounts.acceptedByProvider(user.sub);
    if (!refreshToken) return;
    const rights: ProviderRights = { isAdmin: user.isAdmin, ...(user.groups ? { groups: user.groups } : {}), checkedAt: Date.now() };
    await this.grants.save(user.sub, refreshToken, rights);
  }

  rights(sub: string): Promise<ProviderRights | null> {
    return this.grants.rights(sub);
  }

  /** Is the provider asked again about this account while it is away (a grant kept, and the re-check on)? */
  async rechecks(sub: string): Promise<boolean> {
    return this.recheck !== null && (await this.grants.rights(sub)) !== null;
  }

  /** Drops grants that can never be refreshed here, then starts the re-check. */
  async start(): Promise<void> {
    // The embedded provider's grants die with its process; another provider's can never be refreshed here.
    if (this.deps.settings.devProvider) await this.grants.dropAll();
    else if ((await this.grants.dropForeign()) > 0) this.deps.log.info("grants from another identity provider or client were dropped");
    this.recheck?.start();
  }

  stop(): void {
    this.recheck?.stop();
  }

  private async followed(user: SessionUser, changed: boolean, before: ProviderRights | null): Promise<void> {
    await this.deps.registry.register(user);
    if (!changed) return;
    this.deps.reconsider(user.sub);
    await this.deps.accounts.rightsChanged(user.sub);
    await this.deps.audit.record("user.rights-changed", {
      actor: "identity provider",
      subject: user,
      detail: { admin: user.isAdmin, groups: user.groups ?? null, before: before ? { admin: before.isAdmin, groups: before.groups ?? null } : null },
    });
  }

  private async refused(sub: string, reason: string): Promise<void> {
    const user = await this.deps.registry.bySub(sub);
    await this.deps.audit.record("user.refused-by-provider", { actor: "identity provider", subject: user ?? { sub, username: sub }, detail: { reason } });
    await this.deps.accounts.refusedByProvider(sub);
  }
}
