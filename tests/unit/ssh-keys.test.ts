import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ssh2 from "ssh2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { AuditLog } from "../../lib/audit/audit-log";
import { SshKeyStore } from "../../lib/ssh/key-store";
import { parsePublicKey } from "../../lib/ssh/public-key";
import { openSqliteStore } from "../../lib/store/sqlite";
import type { PortalDb } from "../../lib/store/schema";

// ssh2's generator rarely (about 1 in 500) writes a key its own parser refuses; take one it reads back.
function readableKeyPair() {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment: "alice@laptop" });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}
const ed25519 = readableKeyPair();

describe("public key parsing", () => {
  it("accepts an OpenSSH ed25519 key and computes the same fingerprint as ssh-keygen", async () => {
    const key = parsePublicKey(`  ${ed25519.public}  `);
    expect(key.type).toBe("ssh-ed25519");
    expect(key.comment).toBe("alice@laptop");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-"));
    fs.writeFileSync(path.join(dir, "k.pub"), ed25519.public);
    const printed = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", path.join(dir, "k.pub")], { encoding: "utf8" });
    expect(printed).toContain(key.fingerprint);
    fs.rmSync(dir, { recursive: true });
  });

  it("explains what is wrong with bad input", async () => {
    expect(() => parsePublicKey("")).toThrow(/Paste a public key/);
    expect(() => parsePublicKey(ed25519.private)).toThrow(/private key/);
    expect(() => parsePublicKey("ssh-ed25519 not-base64!!")).toThrow(/not an OpenSSH public key/);
    expect(() => parsePublicKey("hello world")).toThrow(/not an OpenSSH public key/);
    const weak = ssh2.utils.generateKeyPairSync("rsa", { bits: 1024 });
    expect(() => parsePublicKey(weak.public)).toThrow(/at least 2048 bits/);
  });
});

const alice = { sub: "a", username: "alice" };
const bob = { sub: "b", username: "bob" };

describe("key store", () => {
  let dir: string;
  let db: PortalDb;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "keys-"));
    db = openSqliteStore(dir).db;
    await new UserRegistry(db).register({ sub: "a", username: "alice" });
    await new UserRegistry(db).register({ sub: "b", username: "bob" });
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("adds, lists, finds and deletes a user's keys, and keeps users apart", async () => {
    const store = new SshKeyStore(db);
    const added = await store.add(alice, ed25519.public);
    expect(added.name).toBe("alice@laptop");
    expect(await store.list("a")).toHaveLength(1);
    expect(await store.list("b")).toHaveLength(0);
    expect((await store.find("a", added.fingerprint))?.id).toBe(added.id);
    expect(await store.find("b", added.fingerprint)).toBeUndefined();
    expect(await store.remove(bob, added.id)).toBe(false);
    await expect(store.add(alice, ed25519.public)).rejects.toThrow(/already added/);
    await store.touch(added.id);
    expect((await store.list("a"))[0]!.lastUsedAt).not.toBeNull();
    expect(await store.remove(alice, added.id)).toBe(true);
    expect(await store.list("a")).toEqual([]);
  });

  it("records each key added or deleted in the audit log, and nothing for a refused change", async () => {
    const audit = new AuditLog(db);
    const store = new SshKeyStore(db, audit);
    const added = await store.add(alice, ed25519.public, "laptop");
    await expect(store.add(alice, ed25519.public)).rejects.toThrow(/already added/);
    expect(await store.remove(bob, added.id)).toBe(false);
    expect(await store.remove(alice, added.id)).toBe(true);
    const entries = (await audit.list()).map((e) => ({ action: e.action, actor: e.actor, subject: e.subjectName, detail: e.detail }));
    expect(entries).toEqual([
      { action: "ssh.key.delete", actor: "alice", subject: "alice", detail: { key: added.id } },
      { action: "ssh.key.add", actor: "alice", subject: "alice", detail: { fingerprint: added.fingerprint, name: "laptop" } },
    ]);
  });
});
