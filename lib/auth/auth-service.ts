import type { NextAuthOptions } from "next-auth";
import type { Logger } from "pino";
import type { PortalConfig, OidcSettings } from "../config/env";
import type { UserRegistry } from "../identity/registry";
import { DiscoveryResolver } from "./discovery";
import { buildAuthOptions } from "./next-auth-options";
import type { ProviderRights } from "./provider-grants";
import { sessionFromCookieHeader } from "./request-session";
import { resolveAuthSecret } from "./secret";
import type { SessionUser } from "./session-user";
import { SESSION_MAX_AGE_SECONDS, type AuthSettings } from "./settings";

export function authSettings(config: PortalConfig, devOidc: OidcSettings | null): AuthSettings {
  const oidc = config.auth.oidc ?? devOidc;
  if (!oidc) throw new Error("No identity provider: set OIDC_ISSUER, or run outside production to use the embedded one.");
  const devProvider = !config.auth.oidc;
  const configuredAdmins = config.auth.adminSubjects.length > 0 || config.auth.adminUsernames.length > 0 || config.auth.adminClaim !== null;
  return {
    secret: resolveAuthSecret(config.auth.secret, config.dataRoot),
    providerName: devProvider ? "demo accounts" : config.auth.providerName,
    devProvider,
    oidc,
    secureCookies: config.publicUrl.protocol === "https:",
    // The embedded provider marks its demo admin like Django does, with is_staff.
    admin: {
      subjects: config.auth.adminSubjects,
      usernames: config.auth.adminUsernames,
      claim: configuredAdmins || !devProvider ? config.auth.adminClaim : { name: "is_staff" },
    },
    sessionMaxAgeSeconds: SESSION_MAX_AGE_SECONDS,
  };
}

// Decrypting a session cookie (HKDF + JWE) costs ~50 µs; the proxy sees the same cookie on every request.
const SESSION_CACHE_MS = 60_000;
const SESSION_CACHE_SIZE = 2000;

/** What the rest of the portal hears of sign-ins and sign-outs, and how it says a sign-in has been ended. */
export interface SessionHooks {
  /** A sign-in at the provider, with the refresh token it gave (when it gave one). */
  signedIn?(user: SessionUser, refreshToken: string | undefined): void | Promise<void>;
  signedOut?(sid: string, expiresAt: number): Promise<void>;
  isEnded?(sid: string): Promise<boolean>;
  /** May this account (signed in at `authAt`) come in at all: not disabled, and not signed out everywhere since. */
  admits?(sub: string, authAt: number | undefined): Promise<boolean>;
  /** May this account sign in afresh at the provider (no admin has disabled it)? */
  maySignIn?(sub: string): Promise<boolean>;
  /** What the provider said of the account since the sign-in: applied over the rights in its cookie. */
  currentRights?(sub: string): Promise<ProviderRights | null>;
  /** A valid session of this account, from a sign-in at `authAt` (ms), came through a door. */
  sessionSeen?(sub: string, authAt: number): Promise<void>;
}

/** Sign-in for the whole portal: next-auth's options for the pages, and the session check for every other door. */
export class AuthService {
  private readonly discovery: DiscoveryResolver;
  private options: NextAuthOptions | null = null;
  private readonly sessions = new Map<string, { user: SessionUser | null; until: number }>();
  private readonly endListeners: Array<(ended: { sid?: string; sub?: string }) => void> = [];

  constructor(
    readonly settings: AuthSettings,
    private readonly registry: UserRegistry,
    private readonly log: Logger,
    private readonly hooks: SessionHooks = {},
  ) {
    this.discovery = new DiscoveryResolver(settings.oidc.issuer, settings.oidc.discoveryUrl);
  }

  /** Built once the provider has answered; until then rebuilt per request so a provider coming up is noticed. */
  async nextAuthOptions(): Promise<NextAuthOptions> {
    if (this.options) return this.options;
    const found = await this.discovery.resolve();
    const options = buildAuthOptions(
      this.settings,
      found ?? this.discovery.candidates()[0]!,
      (user, refreshToken) => this.onSignIn(user, refreshToken),
      this.log,
      (sid, expiresAt) => this.onSignOut(sid, expiresAt),
      async (sub) => (await this.hooks.maySignIn?.(sub)) ?? true,
    );
    if (found) this.options = options;
    return options;
  }

  /** The provider's discovery document's URL, or null while it is unreachable. */
  wellKnown(): Promise<string | null> {
    return this.discovery.resolve();
  }

  async providerReachable(): Promise<boolean> {
    return (await this.discovery.resolve()) !== null;
  }

  /** The session check, remembering recent answers for the exact same cookie (never past the session's end). */
  async userFromCookieHeader(cookieHeader: string | undefined | null): Promise<SessionUser | null> {
    if (!cookieHeader) return null;
    const hit = this.rememberedUser(cookieHeader);
    if (hit !== undefined) return hit;
    const now = Date.now();
    let user = await sessionFromCookieHeader(cookieHeader, this.settings);
    // A signed-out cookie replayed (from a copy, or a browser that kept it) is not a session any more.
    if (user?.sid && (await this.hooks.isEnded?.(user.sid))) user = null;
    if (user && this.hooks.admits && !(await this.hooks.admits(user.sub, user.authAt))) user = null;
    if (user?.authAt) await this.hooks.sessionSeen?.(user.sub, user.authAt);
    const rights = user && (await this.hooks.currentRights?.(user.sub));
    // Only a word newer than the sign-in: the cookie's own claims are as fresh as what the sign-in recorded.
    if (user && rights && rights.checkedAt > (user.authAt ?? 0)) user = { ...user, isAdmin: rights.isAdmin, ...(rights.groups ? { groups: rights.groups } : {}) };
    if (this.sessions.size >= SESSION_CACHE_SIZE) this.sessions.clear();
    this.sessions.set(cookieHeader, { user, until: Math.min(now + SESSION_CACHE_MS, user?.expiresAt ?? now + SESSION_CACHE_MS) });
    return user;
  }

  /**
   * The remembered answer for this cookie without waiting (undefined: not remembered, ask userFromCookieHeader).
   * The proxy's hot path stays synchronous with it: no promise per request.
   */
  rememberedUser(cookieHeader: string | undefined | null): SessionUser | null | undefined {
    if (!cookieHeader) return null;
    const hit = this.sessions.get(cookieHeader);
    return hit && hit.until > Date.now() ? hit.user : undefined;
  }

  /** Forgets remembered answers for this account (it was just shut out) and closes what it has open. */
  forgetSubject(sub: string): void {
    this.reconsider(sub);
    this.tell({ sub });
  }

  /** Forgets remembered answers for this account (its rights changed): the next request asks again. */
  reconsider(sub: string): void {
    for (const [cookie, entry] of this.sessions) if (entry.user?.sub === sub) this.sessions.delete(cookie);
  }

  /** Told when a sign-in (`sid`) or every sign-in of an account (`sub`) has ended, so open connections close. */
  onSessionEnded(listener: (ended: { sid?: string; sub?: string }) => void): void {
    this.endListeners.push(listener);
  }

  private tell(ended: { sid?: string; sub?: string }): void {
    for (const listener of this.endListeners) {
      try {
        listener(ended);
      } catch (error) {
        this.log.warn({ err: error }, "a session-end listener failed");
      }
    }
  }

  private async onSignIn(user: SessionUser, refreshToken: string | undefined): Promise<void> {
    await this.registry.register(user);
    this.log.info({ user: user.username, sub: user.sub, admin: user.isAdmin }, "signed in");
    await this.hooks.signedIn?.(user, refreshToken);
    this.reconsider(user.sub);
  }

  private async onSignOut(sid: string, expiresAt: number): Promise<void> {
    for (const [cookie, entry] of this.sessions) if (entry.user?.sid === sid) this.sessions.delete(cookie);
    this.log.info("signed out");
    // Open connections close even when the record of the sign-out could not be written.
    this.tell({ sid });
    await this.hooks.signedOut?.(sid, expiresAt);
  }
}
