import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import type { Logger } from "pino";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { validateUser } from "../identity/user";
import { localPath } from "../util/local-path";
import { isAdmin } from "./admin";
import type { SessionUser } from "./session-user";
import type { AuthSettings } from "./settings";

export const PROVIDER_ID = "oidc";

interface OidcClaims extends Record<string, unknown> {
  sub: string;
  preferred_username?: string;
  email?: string;
  name?: string;
  groups?: unknown;
}

declare module "next-auth" {
  interface Session {
    user: SessionUser;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    username?: string;
    isAdmin?: boolean;
    groups?: string[];
    /** Names this sign-in for as long as it lasts (next-auth's own jti changes with every refresh). */
    sid?: string;
    /** When the user signed in at the identity provider (ms): the session ends a fixed time after, never later. */
    authAt?: number;
  }
}

/** The portal's user from the ID token: `sub` is the key, `preferred_username` names the workspace. */
export function userFromClaims(claims: OidcClaims, settings: Pick<AuthSettings, "admin">): SessionUser {
  const username = claims.preferred_username ?? claims.sub;
  const user = validateUser({
    sub: claims.sub,
    username,
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.name ? { name: claims.name } : {}),
    ...(Array.isArray(claims.groups)
      ? { groups: claims.groups.filter((g): g is string => typeof g === "string" && g.length > 0 && g.length <= 100).slice(0, 100) }
      : {}),
  });
  return { ...user, isAdmin: isAdmin(settings.admin, claims.sub, username, claims) };
}

export function buildAuthOptions(
  settings: AuthSettings,
  wellKnown: string,
  onSignIn: (user: SessionUser, refreshToken: string | undefined) => void | Promise<void>,
  log: Logger,
  onSignOut: (sid: string, expiresAt: number) => Promise<void> = async () => {},
  mayEnter: (sub: string) => Promise<boolean> = async () => true,
): NextAuthOptions {
  const provider: OAuthConfig<OidcClaims> = {
    id: PROVIDER_ID,
    name: settings.providerName,
    type: "oauth",
    wellKnown,
    clientId: settings.oidc.clientId,
    clientSecret: settings.oidc.clientSecret,
    authorization: { params: { scope: settings.oidc.scopes } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    profile: (claims) => ({ id: claims.sub, name: claims.name ?? null, email: claims.email ?? null }),
  };
  return {
    secret: settings.secret,
    providers: [provider],
    useSecureCookies: settings.secureCookies,
    session: { strategy: "jwt", maxAge: settings.sessionMaxAgeSeconds },
    jwt: { maxAge: settings.sessionMaxAgeSeconds },
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      // Every redirect next-auth makes (callbackUrl among them) stays on the portal, judged as a browser reads it.
      redirect({ url, baseUrl }) {
        const base = new URL(baseUrl);
        let path = url;
        try {
          const parsed = new URL(url, base);
          if (parsed.origin === base.origin && /^https?:\/\//i.test(url)) path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
        } catch {
          path = "/";
        }
        return new URL(localPath(path), base).href;
      },
      async signIn({ profile }) {
        let user: SessionUser;
        try {
          user = userFromClaims(profile as OidcClaims, settings);
        } catch {
          return "/signin?error=AccountInvalid";
        }
        return (await mayEnter(user.sub)) ? true : "/signin?error=AccountDisabled";
      },
      async jwt({ token, profile, account }) {
        if (!profile) {
          // next-auth re-issues the cookie on every session read; the sign-in itself still ends when it ends.
          if (typeof token.authAt !== "number" || Date.now() >= token.authAt + settings.sessionMaxAgeSeconds * 1000) {
            throw new SessionEndedError();
          }
          return token;
        }
        const user = userFromClaims(profile as OidcClaims, settings);
        // The refresh token never goes into the cookie: the portal keeps it, to ask the provider again later.
        await onSignIn(user, typeof account?.refresh_token === "string" ? account.refresh_token : undefined);
        return {
          ...token,
          sub: user.sub,
          username: user.username,
          email: user.email ?? null,
          name: user.name ?? null,
          isAdmin: user.isAdmin,
          sid: randomUUID(),
          authAt: Date.now(),
          ...(user.groups ? { groups: user.groups } : {}),
        };
      },
      session({ session, token }) {
        session.user = {
          sub: token.sub!,
          username: token.username ?? token.sub!,
          ...(token.email ? { email: token.email } : {}),
          ...(token.name ? { name: token.name } : {}),
          isAdmin: token.isAdmin === true,
        };
        return session;
      },
    },
    events: {
      // Ends the apps opened under this sign-in too, and the cookie itself should it be replayed.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await onSignOut(token.sid, typeof token.exp === "number" ? token.exp * 1000 : Date.now());
      },
    },
    logger: {
      // Provider failures (unreachable, bad client secret, bad token) are an operator's business: log them.
      error: (code, metadata) => {
        if (errorOf(metadata) instanceof SessionEndedError) return log.info("a session reached its end; its cookie is cleared");
        log.error({ code, err: errorOf(metadata) }, "sign-in failed");
      },
      warn: (code) => log.warn({ code }, "sign-in warning"),
      debug: () => {},
    },
  };
}

/** Thrown from the jwt callback for a sign-in past its lifetime: next-auth then clears the cookie. */
class SessionEndedError extends Error {
  constructor() {
    super("the session has reached its end");
  }
}

function errorOf(metadata: unknown): unknown {
  if (metadata instanceof Error) return metadata;
  return (metadata as { error?: unknown } | null)?.error ?? metadata;
}
