import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ssh2 from "ssh2";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/env";
import { loadHostKeys } from "../../lib/ssh/host-keys";

const SHARED = {
  DATABASE_URL: "postgresql://portal@db.example/portal",
  AUTH_SECRET: "shared-secret-shared-secret-shared-0123",
  OIDC_ISSUER: "https://cloud.example.org/o",
  OIDC_CLIENT_ID: "portal",
  OIDC_CLIENT_SECRET: "portal-secret",
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A host key directory as an operator makes it: the private key at mode 600. */
function keysDir(kinds: Array<"ed25519" | "rsa"> = ["ed25519"], mode = 0o600): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-keys-"));
  dirs.push(dir);
  for (const kind of kinds) {
    const pair = kind === "rsa" ? ssh2.utils.generateKeyPairSync("rsa", { bits: 2048 }) : ssh2.utils.generateKeyPairSync("ed25519");
    fs.writeFileSync(path.join(dir, `ssh_host_${kind}_key`), pair.private, { mode });
    fs.chmodSync(path.join(dir, `ssh_host_${kind}_key`), mode);
    fs.writeFileSync(path.join(dir, `ssh_host_${kind}_key.pub`), `${pair.public}\n`);
  }
  return dir;
}

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("a shared database (several portal processes)", () => {
  it("names each thing a process would otherwise make up for itself, and how to give it", () => {
    const message = problems({ DATABASE_URL: SHARED.DATABASE_URL });
    expect(message).toMatch(/AUTH_SECRET: is required when DATABASE_URL is set: every portal process .* same secret/);
    expect(message).toMatch(/OIDC_ISSUER: is required when DATABASE_URL is set: the embedded development identity provider keeps sign-ins in one process's memory/);
    expect(message).toMatch(/SSH_HOST_KEYS_DIR: is required when DATABASE_URL is set \(or SSH_PORT=0\): .*ssh-keygen -t ed25519/);
  });

  it("needs no host keys when the SSH gateway is off", () => {
    expect(problems({ ...SHARED, SSH_PORT: "0" })).toBe("");
  });

  it("takes an operator's host key directory, and reads the same key from it in every process", () => {
    const dir = keysDir();
    const config = loadConfig({ ...SHARED, SSH_HOST_KEYS_DIR: dir });
    expect(config.ssh.hostKeysDir).toBe(dir);
    const [first] = loadHostKeys(dir);
    const [second] = loadHostKeys(dir);
    expect(first!.type).toBe("ssh-ed25519");
    expect(first!.fingerprint).toBe(second!.fingerprint);
    expect(`${first!.publicKey}\n`.split(" ").slice(0, 2)).toEqual(fs.readFileSync(path.join(dir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2));
    // Read, never made: nothing new in the operator's directory.
    expect(fs.readdirSync(dir).sort()).toEqual(["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"]);
  });

  it("says what is wrong with a host key directory, each with the command that puts it right", () => {
    const missingDir = path.join(os.tmpdir(), "no-such-host-keys-dir");
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: missingDir })).toMatch(/SSH_HOST_KEYS_DIR: does not exist: make it and the keys in it \(ssh-keygen -t ed25519/);
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: "keys" })).toMatch(/SSH_HOST_KEYS_DIR: must be an absolute path/);
    const empty = keysDir([]);
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: empty })).toMatch(/SSH_HOST_KEYS_DIR: has no ssh_host_ed25519_key: make it with `ssh-keygen -t ed25519 -N '' -f .*ssh_host_ed25519_key`/);
    const open = keysDir(["ed25519"], 0o644);
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: open })).toMatch(/SSH_HOST_KEYS_DIR: has ssh_host_ed25519_key readable by others \(mode 644\): `chmod 600 .*`/);
    const noRsa = keysDir(["ed25519"]);
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: noRsa, SSH_RSA_HOST_KEY: "true" })).toMatch(/SSH_HOST_KEYS_DIR: has no ssh_host_rsa_key: make it with `ssh-keygen -t rsa -b 3072/);
    expect(problems({ ...SHARED, SSH_HOST_KEYS_DIR: keysDir(["ed25519", "rsa"]), SSH_RSA_HOST_KEY: "true" })).toBe("");
  });

  it("refuses a public key or a key of the wrong kind where a host key belongs", () => {
    const dir = keysDir();
    fs.copyFileSync(path.join(dir, "ssh_host_ed25519_key.pub"), path.join(dir, "ssh_host_ed25519_key"));
    expect(() => loadHostKeys(dir)).toThrow(/is a public key: give the private key file/);
    const rsaAsEd = keysDir(["rsa"]);
    fs.renameSync(path.join(rsaAsEd, "ssh_host_rsa_key"), path.join(rsaAsEd, "ssh_host_ed25519_key"));
    expect(() => loadHostKeys(rsaAsEd)).toThrow(/is ssh-rsa, not ssh-ed25519/);
  });
});
