import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { sshLoginName, userForSshLogin } from "../../lib/ssh/login-name";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

let dir: string;
let db: PortalDb;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "login-name-"));
  db = openSqliteStore(dir).db;
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the name a user gives ssh", () => {
  it("is the username when OpenSSH takes it as typed, else the workspace name", async () => {
    const slug = "x-abcdefgh";
    expect(sshLoginName({ username: "alice", slug })).toBe("alice");
    expect(sshLoginName({ username: "a.b_c+lab-1", slug })).toBe("a.b_c+lab-1");
    for (const refused of ["Dr.Eve_O'Neil+test", "bob@uni", "zoë", "-oProxyCommand=x", "a b", "a;b", "a`b`", "$(id)"]) {
      expect(sshLoginName({ username: refused, slug }), refused).toBe(slug);
    }
  });

  it("finds the account by username first, then by workspace name", async () => {
    const registry = new UserRegistry(db);
    const eve = await registry.register({ sub: "1", username: "Dr.Eve_O'Neil+test" });
    const bob = await registry.register({ sub: "2", username: "bob" });
    expect((await userForSshLogin(registry, "Dr.Eve_O'Neil+test"))?.sub).toBe("1");
    expect((await userForSshLogin(registry, eve.slug))?.sub).toBe("1");
    expect((await userForSshLogin(registry, "bob"))?.sub).toBe("2");
    expect((await userForSshLogin(registry, bob.slug))?.sub).toBe("2");
    expect(await userForSshLogin(registry, "nobody")).toBeUndefined();
  });
});
