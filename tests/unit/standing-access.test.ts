import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountStatuses } from "../../lib/identity/account-status";
import { UserRegistry } from "../../lib/identity/registry";
import { SignIns } from "../../lib/identity/sign-ins";
import { StandingAccess } from "../../lib/identity/standing-access";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

const HOUR = 3600_000;
const LIFETIME = 12 * HOUR;
const NOW = Date.UTC(2026, 11, 3, 12);

let dir: string;
let db: PortalDb;
let accounts: AccountStatuses;
let signIns: SignIns;
const rechecked = new Set<string>();
let standing: StandingAccess;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "standing-"));
  db = openSqliteStore(dir).db;
  for (const sub of ["alice", "bob", "carol"]) await new UserRegistry(db).register({ sub, username: sub });
  accounts = new AccountStatuses(db);
  signIns = new SignIns(db);
  rechecked.clear();
  standing = new StandingAccess({ accounts, signIns, rechecked: async (sub) => rechecked.has(sub), lifetimeMs: LIFETIME });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an account's standing at doors that hold no sign-in (SSH keys)", () => {
  it("lasts a sign-in's lifetime from the newest sign-in when the provider cannot be asked", async () => {
    await signIns.record("alice", NOW - LIFETIME + HOUR);
    expect(await standing.check("alice", NOW)).toBe("admitted");
    expect(await standing.check("alice", NOW + HOUR)).toBe("sign in to renew");
    // An older sign-in learnt late (an old cookie) does not move it back; a new one renews it.
    await signIns.record("alice", NOW - 2 * LIFETIME);
    expect(await signIns.last("alice")).toBe(NOW - LIFETIME + HOUR);
    await signIns.record("alice", NOW + HOUR);
    expect(await standing.check("alice", NOW + 2 * HOUR)).toBe("admitted");
  });

  it("needs a sign-in for an account the portal has seen none of (signed in before sign-ins were kept)", async () => {
    expect(await standing.check("bob", NOW)).toBe("sign in to renew");
  });

  it("is not bounded by sign-ins while the provider is asked again about the account", async () => {
    rechecked.add("carol");
    expect(await standing.check("carol", NOW)).toBe("admitted");
  });

  it("is shut out when disabled or refused by the provider, however recent the sign-in or the re-check", async () => {
    await signIns.record("alice", NOW);
    rechecked.add("carol");
    await accounts.disable("alice");
    await accounts.refusedByProvider("carol");
    expect(await standing.check("alice", Date.now() + 1)).toBe("shut out");
    expect(await standing.check("carol", Date.now() + 1)).toBe("shut out");
  });

  it("keeps sign-ins in portal.db, across a restart", async () => {
    await signIns.record("alice", NOW);
    expect(await new SignIns(db).last("alice")).toBe(NOW);
    expect(await new SignIns(db).last("bob")).toBeNull();
  });
});
