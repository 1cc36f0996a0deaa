import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { SessionUser } from "../auth/session-user";
import { deriveKey } from "../util/derive-key";

/** The header a portal process forwarding a browser's terminal presents to the process holding it. */
export const RELAY_HEADER = "x-portal-terminal-relay";

// Long enough for a busy machine's handshake, short enough that a token seen in a log is worthless.
const TOKEN_LIFETIME_MS = 30_000;

const payloadSchema = z.object({
  user: z.object({
    sub: z.string().min(1),
    username: z.string(),
    isAdmin: z.boolean(),
    expiresAt: z.number().optional(),
    authAt: z.number().optional(),
    sid: z.string().optional(),
  }),
  terminalId: z.string().min(1),
  owner: z.string().min(1),
  exp: z.number(),
});

/**
 * Tokens by which one portal process vouches to another for a signed-in user reattaching one terminal. Derived
 * from the secret every process shares (AUTH_SECRET), for this purpose only: the holder trusts a forwarded
 * connection as it would the user's session cookie, for that terminal and for a few seconds.
 */
export class RelayTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = deriveKey(secret, "terminal relay");
  }

  /** `owner`: the process the list names as holding it; another process at that address (a restart) refuses. */
  sign(user: SessionUser, terminalId: string, owner: string): string {
    const { sub, username, isAdmin, expiresAt, authAt, sid } = user;
    const payload = Buffer.from(JSON.stringify({ user: { sub, username, isAdmin, expiresAt, authAt, sid }, terminalId, owner, exp: this.now() + TOKEN_LIFETIME_MS }));
    return `${payload.toString("base64url")}.${this.mac(payload).toString("base64url")}`;
  }

  /** The user and terminal vouched for, or null for anything forged, altered or expired. */
  verify(token: string): { user: SessionUser; terminalId: string; owner: string } | null {
    const [body, mac] = token.split(".");
    if (!body || !mac) return null;
    const payload = Buffer.from(body, "base64url");
    const given = Buffer.from(mac, "base64url");
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let parsed: z.infer<typeof payloadSchema>;
    try {
      parsed = payloadSchema.parse(JSON.parse(payload.toString("utf8")));
    } catch {
      return null;
    }
    if (parsed.exp < this.now()) return null;
    return { user: parsed.user, terminalId: parsed.terminalId, owner: parsed.owner };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac("sha256", this.key).update(payload).digest();
  }
}
