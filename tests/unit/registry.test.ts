import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { validateUser } from "../../lib/identity/user";
import { openDatabase, type PortalDatabase } from "../../lib/store/db";

let dir: string;
let db: PortalDatabase;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("user registry", () => {
  it("keeps a user's workspace name when their username changes", () => {
    const registry = new UserRegistry(db);
    const first = registry.register({ sub: "17", username: "alice" });
    const renamed = registry.register({ sub: "17", username: "alice.smith" });
    expect(renamed.slug).toBe(first.slug);
    expect(registry.bySub("17")?.username).toBe("alice.smith");
  });

  it("survives reopening the database", () => {
    const slug = new UserRegistry(db).register({ sub: "1", username: "bob" }).slug;
    db.close();
    db = openDatabase(dir);
    expect(new UserRegistry(db).bySub("1")?.slug).toBe(slug);
  });

  it("never gives two subjects the same slug", () => {
    const registry = new UserRegistry(db);
    const slugs = new Set<string>();
    for (let i = 0; i < 200; i++) slugs.add(registry.register({ sub: `s${i}`, username: i % 2 ? "Alice" : "alice" }).slug);
    expect(slugs.size).toBe(200);
  });
});

describe("user validation", () => {
  it("accepts any printable Django username up to 150 characters", () => {
    expect(validateUser({ sub: "1", username: "Dr.Eve_O'Neil+test" }).username).toBe("Dr.Eve_O'Neil+test");
    expect(validateUser({ sub: "1", username: "x".repeat(150) }).username).toHaveLength(150);
  });

  it("explains why a username is refused", () => {
    expect(() => validateUser({ sub: "1", username: "" })).toThrow(/username is empty/);
    expect(() => validateUser({ sub: "1", username: "x".repeat(151) })).toThrow(/longer than 150/);
    expect(() => validateUser({ sub: "1", username: "bad\nname" })).toThrow(/control characters/);
    expect(() => validateUser({ sub: "", username: "alice" })).toThrow(/no subject/);
  });
});
