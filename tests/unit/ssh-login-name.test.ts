import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { sshLoginName, userForSshLogin } from "../../lib/ssh/login-name";
import { openDatabase, type PortalDatabase } from "../../lib/store/db";

let dir: string;
let db: PortalDatabase;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "login-name-"));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the name a user gives ssh", () => {
  it("is the username when OpenSSH takes it as typed, else the workspace name", () => {
    const slug = "x-abcdefgh";
    expect(sshLoginName({ username: "alice", slug })).toBe("alice");
    expect(sshLoginName({ username: "a.b_c+lab-1", slug })).toBe("a.b_c+lab-1");
    for (const refused of ["Dr.Eve_O'Neil+test", "bob@uni", "zoë", "-oProxyCommand=x", "a b", "a;b", "a`b`", "$(id)"]) {
      expect(sshLoginName({ username: refused, slug }), refused).toBe(slug);
    }
  });

  it("finds the account by username first, then by workspace name", () => {
    const registry = new UserRegistry(db);
    const eve = registry.register({ sub: "1", username: "Dr.Eve_O'Neil+test" });
    const bob = registry.register({ sub: "2", username: "bob" });
    expect(userForSshLogin(registry, "Dr.Eve_O'Neil+test")?.sub).toBe("1");
    expect(userForSshLogin(registry, eve.slug)?.sub).toBe("1");
    expect(userForSshLogin(registry, "bob")?.sub).toBe("2");
    expect(userForSshLogin(registry, bob.slug)?.sub).toBe("2");
    expect(userForSshLogin(registry, "nobody")).toBeUndefined();
  });
});
