import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { userFromClaims } from "../../lib/auth/next-auth-options";
import type { ProviderAnswer, ProviderClient } from "../../lib/auth/provider-client";
import { ProviderGrants } from "../../lib/auth/provider-grants";
import { ProviderRecheck, type RecheckOutcome } from "../../lib/auth/provider-recheck";
import type { SessionUser } from "../../lib/auth/session-user";
import { AccountStatuses } from "../../lib/identity/account-status";
import { UserRegistry } from "../../lib/identity/registry";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

const SECRET = "unit-secret-unit-secret-unit-secret-0001";
const ISSUER = "https://cloud.example.org/o";
const HOUR = 3600_000;
const admin = { subjects: [], usernames: [], claim: { name: "is_staff" } };

/** The provider as a table: each refresh token answers what the test put there, and may rotate. */
class FakeProvider implements ProviderClient {
  readonly asked: string[] = [];
  answers = new Map<string, ProviderAnswer | (() => Promise<ProviderAnswer>)>();
  async ask(refreshToken: string): Promise<ProviderAnswer> {
    this.asked.push(refreshToken);
    const answer = this.answers.get(refreshToken);
    if (!answer) return { kind: "refused", reason: "unknown token" };
    return typeof answer === "function" ? answer() : answer;
  }
}

let dir: string;
let db: PortalDb;
let grants: ProviderGrants;
let provider: FakeProvider;
let registry: UserRegistry;
let outcomes: RecheckOutcome[];
let users: Array<{ user: SessionUser; changed: boolean }>;
let refused: string[];

function recheck(intervalMs = HOUR): ProviderRecheck {
  return new ProviderRecheck({
    grants,
    client: provider,
    userFrom: (claims) => userFromClaims(claims as never, { admin }),
    onUser: async (user, changed) => void users.push({ user, changed }),
    onRefused: async (sub) => void refused.push(sub),
    onOutcome: (outcome) => outcomes.push(outcome),
    log: pino({ level: "silent" }),
    intervalMs,
  });
}

async function signIn(sub: string, username: string, token: string, isAdmin = false, checkedAt = Date.now() - 2 * HOUR): Promise<void> {
  await registry.register({ sub, username });
  await grants.save(sub, token, { isAdmin, checkedAt });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "recheck-"));
  db = openSqliteStore(dir).db;
  registry = new UserRegistry(db);
  grants = new ProviderGrants(db, SECRET, ISSUER, "portal");
  provider = new FakeProvider();
  outcomes = [];
  users = [];
  refused = [];
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("asking the provider again about each account", () => {
  it("follows new admin rights and groups, and keeps the rotated refresh token for the next round", async () => {
    await signIn("17", "alice", "rt-1");
    provider.answers.set("rt-1", { kind: "claims", claims: { sub: "17", preferred_username: "alice", is_staff: true, groups: ["imaging"] }, refreshToken: "rt-2" });
    provider.answers.set("rt-2", { kind: "claims", claims: { sub: "17", preferred_username: "alice", is_staff: true, groups: ["imaging"] }, refreshToken: "rt-3" });

    await recheck().round();
    expect(outcomes).toEqual(["changed"]);
    expect(await grants.rights("17")).toMatchObject({ isAdmin: true, groups: ["imaging"] });
    expect(users[0]!.user).toMatchObject({ sub: "17", isAdmin: true, groups: ["imaging"] });

    // Due again an interval later: asked with the rotated token, and nothing changed this time.
    await recheck().round(Date.now() + 2 * HOUR);
    expect(provider.asked).toEqual(["rt-1", "rt-2"]);
    expect(outcomes).toEqual(["changed", "same"]);
  });

  it("asks nobody before their interval is up", async () => {
    await signIn("17", "alice", "rt-1", false, Date.now());
    await recheck().round();
    expect(provider.asked).toEqual([]);
  });

  it("shuts out an account whose grant the provider refuses, and forgets the grant", async () => {
    await signIn("17", "alice", "rt-1");
    await signIn("18", "bob", "rt-b");
    provider.answers.set("rt-b", { kind: "claims", claims: { sub: "18", preferred_username: "bob" }, refreshToken: undefined });
    await recheck().round();
    expect(refused).toEqual(["17"]);
    expect(await grants.rights("17")).toBeNull();
    expect(await grants.rights("18")).not.toBeNull();
  });

  it("changes nothing while the provider does not answer, and stops the round after three in a row", async () => {
    for (let i = 0; i < 6; i++) {
      await signIn(`u${i}`, `user${i}`, `rt-${i}`);
      provider.answers.set(`rt-${i}`, { kind: "unanswered", reason: "connect ECONNREFUSED" });
    }
    await recheck().round();
    expect(refused).toEqual([]);
    expect(users).toEqual([]);
    // Four asked at once, then the round gives up rather than queueing every user behind a dead provider.
    expect(provider.asked.length).toBe(4);
    expect((await grants.due(Date.now(), 100)).length).toBe(6);
  });

  it("does not shut out an account that signed in again while its old grant was being refused", async () => {
    await signIn("17", "alice", "rt-old");
    provider.answers.set("rt-old", async () => {
      await grants.save("17", "rt-new", { isAdmin: false, checkedAt: Date.now() });
      return { kind: "refused", reason: "revoked" };
    });
    await recheck().round();
    expect(refused).toEqual([]);
    expect((await grants.due(Date.now() + 2 * HOUR, 10))[0]!.refreshToken).toBe("rt-new");
  });

  it("keeps a rotated token even when userinfo then fails", async () => {
    await signIn("17", "alice", "rt-1");
    provider.answers.set("rt-1", { kind: "unanswered", reason: "userinfo: 502", refreshToken: "rt-2" });
    await recheck().round();
    expect((await grants.due(Date.now(), 10))[0]!.refreshToken).toBe("rt-2");
  });

  it("treats an answer about another subject as no answer", async () => {
    await signIn("17", "alice", "rt-1");
    provider.answers.set("rt-1", { kind: "claims", claims: { sub: "99", preferred_username: "mallory", is_staff: true }, refreshToken: undefined });
    await recheck().round();
    expect(outcomes).toEqual(["unanswered"]);
    expect(await grants.rights("17")).toMatchObject({ isAdmin: false });
  });
});

describe("kept refresh tokens", () => {
  it("are sealed at rest: portal.db alone holds no usable token", async () => {
    await signIn("17", "alice", "very-secret-refresh-token");
    const raw = fs.readFileSync(path.join(dir, "portal.db")).toString("latin1") + fs.readFileSync(path.join(dir, "portal.db-wal")).toString("latin1");
    expect(raw).not.toContain("very-secret-refresh-token");
    const otherSecret = new ProviderGrants(db, "another-secret-another-secret-another-01", ISSUER, "portal");
    expect(await otherSecret.due(Date.now(), 10)).toEqual([]);
  });

  it("are read again once older than the age another process's writes allow, and at once when told", async () => {
    await signIn("18", "bea", "rt-1", false);
    let now = 5_000_000;
    const mine = new ProviderGrants(db, SECRET, ISSUER, "portal", 30_000, () => now);
    expect((await mine.rights("18"))?.isAdmin).toBe(false);
    await grants.save("18", "rt-2", { isAdmin: true, checkedAt: Date.now() }); // another process's re-check
    now += 29_999;
    expect((await mine.rights("18"))?.isAdmin).toBe(false);
    now += 1;
    expect((await mine.rights("18"))?.isAdmin).toBe(true);
    await grants.save("18", "rt-3", { isAdmin: false, checkedAt: Date.now() });
    mine.forget("18"); // the news of it
    expect((await mine.rights("18"))?.isAdmin).toBe(false);
  });

  it("from another provider or client are dropped", async () => {
    await signIn("17", "alice", "rt-1");
    expect(await new ProviderGrants(db, SECRET, "https://other.example.org/o", "portal").dropForeign()).toBe(1);
    expect(await new ProviderGrants(db, SECRET, ISSUER, "portal").rights("17")).toBeNull();
  });
});

describe("an account the provider refused", () => {
  it("is let in by nothing it had before (sign-ins, SSH keys), and again after a new sign-in", async () => {
    const accounts = new AccountStatuses(db);
    await registry.register({ sub: "17", username: "alice" });
    const signedInAt = Date.now() - 1000;
    const shutOut: string[] = [];
    accounts.onShutOut((sub, reason) => void shutOut.push(`${sub}: ${reason}`));

    expect(await accounts.refusedByProvider("17")).toBe(true);
    expect(shutOut).toEqual(["17: refused by the identity provider"]);
    expect(await accounts.admits("17", signedInAt)).toBe(false);
    expect(await accounts.admits("17", Date.now() + 10)).toBe(false); // SSH asks with "now": still refused
    expect(await accounts.maySignIn("17")).toBe(true); // the provider decides that, at its own sign-in

    await accounts.acceptedByProvider("17");
    expect(await accounts.admits("17", Date.now() + 10)).toBe(true);
    expect(await accounts.admits("17", signedInAt)).toBe(false); // the old sign-in stays ended

    await accounts.disable("17");
    expect(await accounts.maySignIn("17")).toBe(false);
  });
});
