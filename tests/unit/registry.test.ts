import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { validateUser } from "../../lib/identity/user";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

let dir: string;
let db: PortalDb;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
  db = openSqliteStore(dir).db;
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("user registry", () => {
  it("keeps a user's workspace name when their username changes", async () => {
    const registry = new UserRegistry(db);
    const first = await registry.register({ sub: "17", username: "alice" });
    const renamed = await registry.register({ sub: "17", username: "alice.smith" });
    expect(renamed.slug).toBe(first.slug);
    expect((await registry.bySub("17"))?.username).toBe("alice.smith");
  });

  it("keeps email and name when a caller knows only the subject and username (the admin page)", async () => {
    const registry = new UserRegistry(db);
    await registry.register({ sub: "17", username: "alice", email: "alice@example.org", name: "Alice A." });
    await registry.register({ sub: "17", username: "alice" });
    expect(await registry.bySub("17")).toMatchObject({ email: "alice@example.org", name: "Alice A." });
  });

  it("gives a username to one subject at a time: a reused name never leads to the old account", async () => {
    const registry = new UserRegistry(db);
    const moves: unknown[] = [];
    registry.onUsernameMoved = (move) => moves.push(move);
    const old = await registry.register({ sub: "17", username: "alice" });
    await registry.register({ sub: "42", username: "alice" }); // the provider gave "alice" to another account
    expect((await registry.byUsername("alice"))?.sub).toBe("42");
    expect((await registry.bySub("17"))?.username).toBe(old.slug); // files and keys kept, the name released
    expect(moves).toEqual([{ username: "alice", from: "17", to: "42" }]);
  });

  it("refuses to pick between subjects that share a username in an older database", async () => {
    const registry = new UserRegistry(db);
    await registry.register({ sub: "17", username: "alice" });
    await registry.register({ sub: "42", username: "bob" });
    await db.updateTable("users").set({ username: "alice" }).where("sub", "=", "42").execute();
    expect(await registry.byUsername("alice")).toBeUndefined();
  });

  it("survives reopening the database", async () => {
    const slug = (await new UserRegistry(db).register({ sub: "1", username: "bob" })).slug;
    await db.destroy();
    db = openSqliteStore(dir).db;
    expect((await new UserRegistry(db).bySub("1"))?.slug).toBe(slug);
  });

  it("never gives two subjects the same slug", async () => {
    const registry = new UserRegistry(db);
    const slugs = new Set<string>();
    for (let i = 0; i < 200; i++) slugs.add((await registry.register({ sub: `s${i}`, username: i % 2 ? "Alice" : "alice" })).slug);
    expect(slugs.size).toBe(200);
  });
});

describe("user validation", () => {
  it("accepts any printable Django username up to 150 characters", async () => {
    expect(validateUser({ sub: "1", username: "Dr.Eve_O'Neil+test" }).username).toBe("Dr.Eve_O'Neil+test");
    expect(validateUser({ sub: "1", username: "x".repeat(150) }).username).toHaveLength(150);
  });

  it("explains why a username is refused", async () => {
    expect(() => validateUser({ sub: "1", username: "" })).toThrow(/username is empty/);
    expect(() => validateUser({ sub: "1", username: "x".repeat(151) })).toThrow(/longer than 150/);
    expect(() => validateUser({ sub: "1", username: "bad\nname" })).toThrow(/control characters/);
    expect(() => validateUser({ sub: "", username: "alice" })).toThrow(/no subject/);
  });
});

describe("the portal's database file", () => {
  it("is readable by its owner only", async () => {
    for (const part of ["portal.db", "portal.db-wal", "portal.db-shm"]) {
      const file = path.join(dir, part);
      if (fs.existsSync(file)) expect((fs.statSync(file).mode & 0o777).toString(8), part).toBe("600");
    }
    expect(fs.existsSync(path.join(dir, "portal.db"))).toBe(true);
  });
});
