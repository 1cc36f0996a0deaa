import type { Logger } from "pino";
import type { ProviderClient } from "./provider-client";
import type { DueGrant, ProviderGrants, ProviderRights } from "./provider-grants";
import type { SessionUser } from "./session-user";

export type RecheckOutcome = "same" | "changed" | "refused" | "unanswered";

export interface RecheckDeps {
  grants: ProviderGrants;
  client: ProviderClient;
  /** The portal's user from the provider's claims (throws on claims it cannot accept). */
  userFrom(claims: Record<string, unknown>): SessionUser;
  /** The provider gave (possibly new) claims: the registry and the doors follow. */
  onUser(user: SessionUser, changed: boolean, before: ProviderRights | null): Promise<void>;
  /** The provider refused the grant: the account is shut out until it signs in there again. */
  onRefused(sub: string, reason: string): Promise<void>;
  onOutcome?(outcome: RecheckOutcome): void;
  log: Logger;
  intervalMs: number;
}

const BATCH = 200;
const PARALLEL = 4;
// A provider that did not answer this many in a row is down: the rest wait for the next round.
const GIVE_UP_AFTER = 3;

/**
 * Asks the provider again about every user with a grant, once per interval, whether or not they are using the
 * portal right now: SSH keys outlive web sign-ins. Admin rights and groups follow the provider within one interval;
 * an account it refuses (Django deactivated or deleted it, or revoked its tokens) is shut out. A provider that
 * does not answer changes nothing: nobody is signed out because Django was restarting.
 */
export class ProviderRecheck {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Accounts whose last refresh got no answer: the provider may have rotated their token all the same. */
  private readonly uncertain = new Set<string>();

  constructor(private readonly deps: RecheckDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the grants that are due; a pass still running is joined, never doubled. */
  round(now = Date.now()): Promise<void> {
    this.running ??= this.pass(now).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(now: number): Promise<void> {
    // Due a little early, so a grant checked just after the previous round's start is not left a whole round.
    const before = now - this.deps.intervalMs * 0.9;
    let unansweredInARow = 0;
    const seen = new Set<string>();
    for (;;) {
      const grants = (await this.deps.grants.due(before, BATCH)).filter((g) => !seen.has(g.sub));
      if (grants.length === 0) return;
      for (let i = 0; i < grants.length; i += PARALLEL) {
        const slice = grants.slice(i, i + PARALLEL);
        for (const grant of slice) seen.add(grant.sub);
        const outcomes = await Promise.all(slice.map((grant) => this.check(grant)));
        for (const outcome of outcomes) unansweredInARow = outcome === "unanswered" ? unansweredInARow + 1 : 0;
        if (unansweredInARow >= GIVE_UP_AFTER) {
          this.deps.log.warn("the identity provider is not answering; the re-check waits for its next round");
          return;
        }
      }
    }
  }

  async check(grant: DueGrant): Promise<RecheckOutcome> {
    const outcome = await this.ask(grant).catch((error: unknown) => {
      this.deps.log.warn({ err: error, sub: grant.sub }, "re-checking an account with the provider failed");
      return "unanswered" as const;
    });
    this.deps.onOutcome?.(outcome);
    return outcome;
  }

  private async ask(grant: DueGrant): Promise<RecheckOutcome> {
    const { grants, log } = this.deps;
    const answer = await this.deps.client.ask(grant.refreshToken);
    let current = grant;
    if (answer.kind !== "refused" && answer.refreshToken && answer.refreshToken !== grant.refreshToken) {
      // The old token is spent once the provider rotates it: the new one is written before anything else.
      if (!(await grants.rotate(grant.sub, grant, answer.refreshToken))) return "same"; // a newer sign-in's grant won
      current = { sub: grant.sub, refreshToken: answer.refreshToken };
    }
    if (answer.kind === "unanswered") {
      log.info({ sub: grant.sub, reason: answer.reason }, "the provider did not answer a re-check");
      if (this.uncertain.size < 100_000) this.uncertain.add(grant.sub);
      return "unanswered";
    }
    const afterSilence = this.uncertain.delete(grant.sub);
    if (answer.kind === "refused") {
      // Only while this is still the user's grant: a sign-in since brought a new one the provider accepted.
      if (!(await grants.drop(grant.sub, grant))) return "same";
      log.info({ sub: grant.sub, reason: answer.reason }, "the provider refused an account's grant; it is shut out");
      if (afterSilence) {
        log.warn(
          { sub: grant.sub },
          "this refusal came after a refresh that got no answer: if the provider rotated the token then, the user must sign in again; a refresh grace period on the provider (django-oauth-toolkit REFRESH_TOKEN_GRACE_PERIOD_SECONDS) avoids that",
        );
      }
      await this.deps.onRefused(grant.sub, answer.reason);
      return "refused";
    }
    const user = this.deps.userFrom({ ...answer.claims, sub: answer.claims.sub ?? grant.sub });
    if (user.sub !== grant.sub) throw new Error("the provider answered for another subject");
    const before = await grants.rights(grant.sub);
    const rights: ProviderRights = { isAdmin: user.isAdmin, ...(user.groups ? { groups: user.groups } : {}), checkedAt: Date.now() };
    if (!(await grants.setRights(grant.sub, current, rights))) return "same";
    const changed = before === null || before.isAdmin !== rights.isAdmin || JSON.stringify(before.groups ?? null) !== JSON.stringify(rights.groups ?? null);
    await this.deps.onUser(user, changed, before);
    return changed ? "changed" : "same";
  }
}
