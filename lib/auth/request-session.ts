import { parse } from "cookie";
import { getToken } from "next-auth/jwt";
import type { SessionUser } from "./session-user";
import type { AuthSettings } from "./settings";

/**
 * The one session check for every door that is not a Next.js page: socket.io handshakes, proxied HTTP requests
 * and WebSocket upgrades. It reads the same encrypted session cookie next-auth writes, and nothing else (no
 * Authorization header), so a credential meant for a workspace can never act as a portal session.
 */
export async function sessionFromCookieHeader(
  cookieHeader: string | undefined | null,
  settings: Pick<AuthSettings, "secret" | "secureCookies" | "sessionMaxAgeSeconds">,
): Promise<SessionUser | null> {
  if (!cookieHeader) return null;
  let cookies: Record<string, string | undefined>;
  try {
    cookies = parse(cookieHeader);
  } catch {
    return null;
  }
  const token = await getToken({
    req: { cookies, headers: {} } as never,
    secret: settings.secret,
    secureCookie: settings.secureCookies,
  }).catch(() => null);
  if (!token?.sub || typeof token.username !== "string") return null;
  // A sign-in lasts its lifetime from when it happened, however often the cookie was re-issued since.
  if (typeof token.authAt !== "number") return null;
  const endsAt = Math.min(token.authAt + settings.sessionMaxAgeSeconds * 1000, typeof token.exp === "number" ? token.exp * 1000 : Infinity);
  if (Date.now() >= endsAt) return null;
  return {
    sub: token.sub,
    username: token.username,
    ...(token.email ? { email: token.email } : {}),
    ...(token.name ? { name: token.name } : {}),
    isAdmin: token.isAdmin === true,
    ...(Array.isArray(token.groups) ? { groups: token.groups } : {}),
    expiresAt: endsAt,
    authAt: token.authAt,
    ...(typeof token.sid === "string" ? { sid: token.sid } : {}),
  };
}

/** The portal's own cookies (next-auth's, the development provider's), which never go into a workspace. */
export function isPortalCookie(name: string): boolean {
  return /^(__Secure-|__Host-)?(next-auth|portal-idp)\./i.test(name.trim());
}
