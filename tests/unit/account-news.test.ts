import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountStatuses, type ShutOutReason } from "../../lib/identity/account-status";
import { UserRegistry } from "../../lib/identity/registry";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

let dir: string;
let db: PortalDb;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "account-news-"));
  db = openSqliteStore(dir).db;
  for (const sub of ["alice", "bob"]) await new UserRegistry(db).register({ sub, username: sub });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A second handle on the same database stands for another process that changes an account behind our back. */
const disableBehindItsBack = (sub: string) => db.updateTable("users").set({ disabled_at: new Date().toISOString() }).where("sub", "=", sub).execute();

describe("accounts changed by other processes", () => {
  it("announces every change it makes: a shut-out with its reason, an enable without", async () => {
    const told: Array<[string, ShutOutReason | null]> = [];
    const accounts = new AccountStatuses(db, { news: { announce: async (sub, why) => void told.push([sub, why]) } });
    await accounts.disable("alice");
    await accounts.disable("alice"); // already: nothing new to tell
    await accounts.enable("alice");
    await accounts.refusedByProvider("bob");
    await accounts.acceptedByProvider("bob");
    expect(told).toEqual([
      ["alice", "disabled by an admin"],
      ["alice", null],
      ["bob", "refused by the identity provider"],
      ["bob", null],
    ]);
  });

  it("acts on a shut-out heard from elsewhere, and reads the account again", async () => {
    const accounts = new AccountStatuses(db);
    const seen: string[] = [];
    accounts.onShutOut((sub, reason, where) => void seen.push(`${sub} ${reason} ${where}`));
    expect(await accounts.admits("alice", Date.now())).toBe(true);
    await disableBehindItsBack("alice");
    expect(await accounts.admits("alice", Date.now())).toBe(true); // remembered: only news or age can change it
    await accounts.heard({ sub: "alice", shutOut: "disabled by an admin" });
    expect(seen).toEqual(["alice disabled by an admin elsewhere"]);
    expect(await accounts.admits("alice", Date.now())).toBe(false);
  });

  it("forgets every account after missing news, and believes nothing longer than its safety net", async () => {
    let now = 1_000_000;
    const accounts = new AccountStatuses(db, { maxAgeMs: 30_000 }, () => now);
    expect(await accounts.maySignIn("alice")).toBe(true);
    expect(await accounts.maySignIn("bob")).toBe(true);
    await disableBehindItsBack("alice");
    await disableBehindItsBack("bob");
    await accounts.heard({ all: true });
    expect(await accounts.maySignIn("alice")).toBe(false);
    await accounts.enable("alice");
    expect(await accounts.maySignIn("alice")).toBe(true);
    await disableBehindItsBack("alice");
    now += 29_999;
    expect(await accounts.maySignIn("alice")).toBe(true);
    now += 1;
    expect(await accounts.maySignIn("alice")).toBe(false);
  });

  it("tells what else it keeps of accounts when another process changed one, and everything after missed news", async () => {
    const told: Array<[string, ShutOutReason | null]> = [];
    const accounts = new AccountStatuses(db, { news: { announce: async (sub, why) => void told.push([sub, why]) } });
    await accounts.rightsChanged("alice");
    expect(told).toEqual([["alice", null]]);
    const elsewhere: Array<string | null> = [];
    accounts.onChangedElsewhere((sub) => elsewhere.push(sub));
    await accounts.heard({ sub: "bob", shutOut: null });
    await accounts.heard({ all: true });
    expect(elsewhere).toEqual(["bob", null]);
  });
});
