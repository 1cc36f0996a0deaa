import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";

export const SESSION_COOKIE = "next-auth.session-token";

/**
 * A session cookie exactly as next-auth writes it after a sign-in (http URLs: no __Secure- prefix), for tests
 * and benchmarks that exercise the portal's other doors without driving a browser through the sign-in.
 */
export async function sessionCookie(
  secret: string,
  user: { sub: string; username: string },
  options: { isAdmin?: boolean; authAt?: number } = {},
): Promise<string> {
  const token = await encode({
    token: {
      sub: user.sub,
      username: user.username,
      name: user.username,
      email: `${user.username}@example.invalid`,
      isAdmin: options.isAdmin ?? false,
      sid: randomUUID(),
      authAt: options.authAt ?? Date.now(),
    },
    secret,
    maxAge: 3600,
  });
  return `${SESSION_COOKIE}=${token}`;
}
