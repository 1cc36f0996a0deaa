import { createHash } from "node:crypto";
// ssh2 is CommonJS: Node's ESM loader sees only its default export.
import ssh2 from "ssh2";

const { utils } = ssh2;

export interface ParsedPublicKey {
  /** e.g. ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 */
  type: string;
  /** As OpenSSH prints it: SHA256:<base64 without padding>. */
  fingerprint: string;
  /** The canonical one-line form, `<type> <base64>`, without the comment. */
  openssh: string;
  /** The comment pasted after the key, if any: a good default name. */
  comment: string;
  /** The key blob, for comparing with what a client offers. */
  blob: Buffer;
}

const BRAND = Symbol.for("scitex.portal.PublicKeyError");

/** A pasted key was refused; the message says what to do instead. */
export class PublicKeyError extends Error {
  readonly [BRAND] = true;
}

/** Works across the custom server / Next.js bundle boundary, unlike `instanceof`. */
export function isPublicKeyError(error: unknown): error is PublicKeyError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

// Old, weak or exotic types are refused: they are either broken (DSA) or unsupported by modern clients.
const ACCEPTED = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);
const MIN_RSA_BITS = 2048;

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Parses one pasted public key (an authorized_keys line) with ssh2's parser; refuses private keys and junk. */
export function parsePublicKey(text: string): ParsedPublicKey {
  const line = text.trim().replace(/\s+/g, " ");
  if (!line) throw new PublicKeyError("Paste a public key: one line starting with ssh-ed25519, ssh-rsa or ecdsa-sha2-….");
  if (/PRIVATE KEY/.test(line)) {
    throw new PublicKeyError("That is a private key. Never share it: paste the matching .pub file instead.");
  }
  if (line.length > 16_384) throw new PublicKeyError("That is far too long to be a public key.");
  const parsed = utils.parseKey(line);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new PublicKeyError("That is not an OpenSSH public key. It should look like: ssh-ed25519 AAAAC3Nza… you@laptop");
  }
  if (key.isPrivateKey()) throw new PublicKeyError("That is a private key. Paste the matching .pub file instead.");
  if (!ACCEPTED.has(key.type)) {
    throw new PublicKeyError(`Keys of type ${key.type} are not accepted. Use ssh-ed25519 (ssh-keygen -t ed25519).`);
  }
  const blob = key.getPublicSSH() as Buffer;
  if (key.type === "ssh-rsa" && rsaBits(blob) < MIN_RSA_BITS) {
    throw new PublicKeyError(`RSA keys must have at least ${MIN_RSA_BITS} bits. Make a new one with ssh-keygen -t ed25519.`);
  }
  const parts = line.split(" ");
  return {
    type: key.type,
    fingerprint: fingerprintOf(blob),
    openssh: `${key.type} ${blob.toString("base64")}`,
    comment: parts.slice(2).join(" ").slice(0, 200),
    blob,
  };
}

/** The modulus length of an ssh-rsa public blob: string "ssh-rsa", mpint e, mpint n. */
function rsaBits(blob: Buffer): number {
  let offset = 0;
  const next = () => {
    const length = blob.readUInt32BE(offset);
    const value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  next();
  next();
  const n = next();
  let start = 0;
  while (start < n.length && n[start] === 0) start++;
  return (n.length - start) * 8;
}
