import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountStatuses } from "../../lib/identity/account-status";
import { UserRegistry } from "../../lib/identity/registry";
import { SignIns } from "../../lib/identity/sign-ins";
import { StandingAccess } from "../../lib/identity/standing-access";
import { openDatabase, type PortalDatabase } from "../../lib/store/db";

const HOUR = 3600_000;
const LIFETIME = 12 * HOUR;
const NOW = Date.UTC(2026, 11, 3, 12);

let dir: string;
let db: PortalDatabase;
let accounts: AccountStatuses;
let signIns: SignIns;
const rechecked = new Set<string>();
let standing: StandingAccess;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "standing-"));
  db = openDatabase(dir);
  for (const sub of ["alice", "bob", "carol"]) new UserRegistry(db).register({ sub, username: sub });
  accounts = new AccountStatuses(db);
  signIns = new SignIns(db);
  rechecked.clear();
  standing = new StandingAccess({ accounts, signIns, rechecked: (sub) => rechecked.has(sub), lifetimeMs: LIFETIME });
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an account's standing at doors that hold no sign-in (SSH keys)", () => {
  it("lasts a sign-in's lifetime from the newest sign-in when the provider cannot be asked", () => {
    signIns.record("alice", NOW - LIFETIME + HOUR);
    expect(standing.check("alice", NOW)).toBe("admitted");
    expect(standing.check("alice", NOW + HOUR)).toBe("sign in to renew");
    // An older sign-in learnt late (an old cookie) does not move it back; a new one renews it.
    signIns.record("alice", NOW - 2 * LIFETIME);
    expect(signIns.last("alice")).toBe(NOW - LIFETIME + HOUR);
    signIns.record("alice", NOW + HOUR);
    expect(standing.check("alice", NOW + 2 * HOUR)).toBe("admitted");
  });

  it("needs a sign-in for an account the portal has seen none of (signed in before sign-ins were kept)", () => {
    expect(standing.check("bob", NOW)).toBe("sign in to renew");
  });

  it("is not bounded by sign-ins while the provider is asked again about the account", () => {
    rechecked.add("carol");
    expect(standing.check("carol", NOW)).toBe("admitted");
  });

  it("is shut out when disabled or refused by the provider, however recent the sign-in or the re-check", () => {
    signIns.record("alice", NOW);
    rechecked.add("carol");
    accounts.disable("alice");
    accounts.refusedByProvider("carol");
    expect(standing.check("alice", Date.now() + 1)).toBe("shut out");
    expect(standing.check("carol", Date.now() + 1)).toBe("shut out");
  });

  it("keeps sign-ins in portal.db, across a restart", () => {
    signIns.record("alice", NOW);
    expect(new SignIns(db).last("alice")).toBe(NOW);
    expect(new SignIns(db).last("bob")).toBeNull();
  });
});
