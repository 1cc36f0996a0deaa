import { timingSafeEqual } from "node:crypto";
import type { PortalDb } from "../store/schema";
import { isoNow } from "../store/schema";
import { deriveKey } from "../util/derive-key";

const FACT = "auth_secret_fingerprint";

/**
 * A fingerprint of the sign-in secret that tells nothing of it: a key derived from the secret for this purpose
 * alone (HKDF), so neither the database nor its backups hold anything that signs a session.
 */
export function secretFingerprint(secret: string): string {
  return deriveKey(secret, "shared secret fingerprint").toString("base64url");
}

export class SecretMismatchError extends Error {
  constructor(recordedAt: string) {
    super(
      `AUTH_SECRET differs from the one the other portal processes on this database use (recorded ${recordedAt}): ` +
        "sessions and app tickets signed by one would be refused by the other. Give every process the same AUTH_SECRET. " +
        "To change the secret on purpose, stop every process, run `DELETE FROM portal_facts WHERE name = 'auth_secret_fingerprint';` " +
        "on the database, and start them all with the new one.",
    );
    this.name = "SecretMismatchError";
  }
}

/**
 * Records the secret's fingerprint at the first start on a shared database, and refuses (throws) a process whose
 * secret differs: caught at start rather than as sign-ins that work on one process and not on the next.
 */
export async function agreeOnSecret(db: PortalDb, secret: string): Promise<"recorded" | "agreed"> {
  const mine = secretFingerprint(secret);
  const inserted = await db
    .insertInto("portal_facts")
    .values({ name: FACT, value: mine, recorded_at: isoNow() })
    .onConflict((conflict) => conflict.column("name").doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return "recorded";
  const row = await db.selectFrom("portal_facts").select(["value", "recorded_at"]).where("name", "=", FACT).executeTakeFirstOrThrow();
  const same = row.value.length === mine.length && timingSafeEqual(Buffer.from(row.value), Buffer.from(mine));
  if (!same) throw new SecretMismatchError(row.recorded_at);
  return "agreed";
}
