import { createHash } from "node:crypto";

/**
 * The first keys of the portal's advisory locks (pg_advisory_lock(key1, key2)): any numbers, the same in every
 * process, distinct from lib/store/postgres.ts's one-key migration lock.
 */
export const LOCK_SPACE = {
  /** Per user: the start/stop lock, second key from the user's subject. */
  user: 0x5c171,
  /** Per process: held by its line session for its life, so its places in line die with it. */
  lineHolder: 0x5c172,
  /** One key: the line's decisions, one at a time across processes. */
  lineDecision: 0x5c173,
} as const;

/** A positive 31-bit key for `text`: pg_locks shows it as the same number. A collision only serialises two users. */
export function lockKey(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) & 0x7fffffff;
}
