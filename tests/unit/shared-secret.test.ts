import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agreeOnSecret, SecretMismatchError, secretFingerprint } from "../../lib/auth/shared-secret";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalStore } from "../../lib/store/store";

const stores: Array<{ store: PortalStore; dir: string }> = [];
afterEach(async () => {
  for (const { store, dir } of stores.splice(0)) {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function store(): PortalStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-"));
  const opened = openSqliteStore(dir);
  stores.push({ store: opened, dir });
  return opened;
}

describe("one sign-in secret for every process on a database", () => {
  const secret = "first-secret-first-secret-first-secret-01";

  it("records the first process's fingerprint, agrees with the same secret, and refuses another with what to do", async () => {
    const { db } = store();
    await expect(agreeOnSecret(db, secret)).resolves.toBe("recorded");
    await expect(agreeOnSecret(db, secret)).resolves.toBe("agreed");
    const other = agreeOnSecret(db, "other-secret-other-secret-other-secret-02");
    await expect(other).rejects.toBeInstanceOf(SecretMismatchError);
    await expect(other).rejects.toThrow(/AUTH_SECRET differs from the one the other portal processes on this database use \(recorded 20\d\d-.*Give every process the same AUTH_SECRET/);
  });

  it("keeps nothing in the database that is, or leads back to, the secret", async () => {
    const { db } = store();
    await agreeOnSecret(db, secret);
    const rows = await db.selectFrom("portal_facts").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value).toBe(secretFingerprint(secret));
    expect(rows[0]!.value).not.toContain(secret);
    expect(secretFingerprint(secret)).not.toBe(secretFingerprint(`${secret}x`));
  });
});
