import fs from "node:fs";
import path from "node:path";
import ssh2 from "ssh2";

const { utils } = ssh2;
import { HOST_KEY_FILES } from "../config/env";
import { fingerprintOf } from "./public-key";

export interface HostKey {
  type: "ssh-ed25519" | "ssh-rsa";
  /** OpenSSH private key text, for ssh2's server. */
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

const KINDS = [
  { file: HOST_KEY_FILES.ed25519, type: "ssh-ed25519", generate: () => utils.generateKeyPairSync("ed25519") },
  { file: HOST_KEY_FILES.rsa, type: "ssh-rsa", generate: () => utils.generateKeyPairSync("rsa", { bits: 3072 }) },
] as const;

/**
 * The gateway's host keys: the operator's (SSH_HOST_KEYS_DIR), the same in every portal process behind one address;
 * or, for a portal alone, made once in the data directory and reused for ever, so users' known_hosts stay valid
 * across restarts and upgrades. ed25519 always; RSA only when asked for (`legacyRsa`), because ssh2 offers every
 * RSA host key with SHA-1 (`ssh-rsa`) signatures too, which OpenSSH has deprecated.
 */
export function hostKeysFor(ssh: { hostKeysDir: string | null; legacyRsaHostKey: boolean }, dataRoot: string): HostKey[] {
  return ssh.hostKeysDir ? loadHostKeys(ssh.hostKeysDir, ssh.legacyRsaHostKey) : loadOrCreateHostKeys(dataRoot, ssh.legacyRsaHostKey);
}

/** Keys made once in `<dataRoot>/ssh` and kept. */
export function loadOrCreateHostKeys(dataRoot: string, legacyRsa = false): HostKey[] {
  const dir = path.join(dataRoot, "ssh");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return kindsFor(legacyRsa).map((kind) => {
    const file = path.join(dir, kind.file);
    if (!fs.existsSync(file)) {
      const pair = generateReadable(kind.generate);
      try {
        fs.writeFileSync(file, pair.private, { mode: 0o600, flag: "wx" });
        fs.writeFileSync(`${file}.pub`, `${pair.public}\n`, { mode: 0o644 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error; // another process won the race
      }
    }
    return readHostKey(file, kind.type);
  });
}

/**
 * The operator's keys, never made here: a process that made its own would present a key the others do not, and
 * users' ssh would refuse whichever process it met second. ssh-keygen's files (OpenSSH format) are what is read.
 */
export function loadHostKeys(dir: string, legacyRsa = false): HostKey[] {
  return kindsFor(legacyRsa).map((kind) => readHostKey(path.join(dir, kind.file), kind.type));
}

function kindsFor(legacyRsa: boolean) {
  return KINDS.filter((kind) => legacyRsa || kind.type !== "ssh-rsa");
}

function readHostKey(file: string, type: HostKey["type"]): HostKey {
  const privateKey = fs.readFileSync(file, "utf8");
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`The SSH host key ${file} is unreadable: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (!key.isPrivateKey()) throw new Error(`The SSH host key ${file} is a public key: give the private key file (without .pub)`);
  if (key.type !== type) throw new Error(`The SSH host key ${file} is ${key.type}, not ${type}: make it with ssh-keygen -t ${type === "ssh-rsa" ? "rsa" : "ed25519"}`);
  const blob = key.getPublicSSH() as Buffer;
  return { type, privateKey, publicKey: `${key.type} ${blob.toString("base64")}`, fingerprint: fingerprintOf(blob) };
}

/**
 * ssh2's generator now and then (about one key in 500) writes an ed25519 key its own parser then refuses; a host
 * key is made once and kept for ever, so make sure the one kept is readable.
 */
function generateReadable(generate: () => { private: string; public: string }): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = generate();
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error("could not generate a readable SSH host key");
}
