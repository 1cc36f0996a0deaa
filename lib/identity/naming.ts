import { createHash } from "node:crypto";

// Lowercase base32 without look-alikes; Docker names and file names accept all of it.
const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const BASE_MAX = 32;
// Letters that Unicode decomposition leaves alone but every reader would spell in ASCII.
const SPELLED: Record<string, string> = { ß: "ss", æ: "ae", ø: "o", œ: "oe", ł: "l", đ: "d", þ: "th", ı: "i" };

function digest(text: string, length: number): string {
  const bytes = createHash("sha256").update(text, "utf8").digest();
  let out = "";
  for (let i = 0; out.length < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}

/** A readable, filesystem- and Docker-safe rendering of a username: "Dr.Eve_O'Neil" -> "dr-eve-o-neil". */
export function readableBase(username: string): string {
  const ascii = username
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[ßæøœłđþı]/g, (c) => SPELLED[c] ?? "-")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return ascii.slice(0, BASE_MAX).replace(/-+$/, "") || "user";
}

/**
 * The workspace slug: readable base plus a suffix drawn from the stable subject, so two different users never get
 * the same slug even when their usernames differ only by case, punctuation or script. `suffixLength` grows only
 * if the registry ever sees a collision.
 */
export function workspaceSlug(username: string, sub: string, suffixLength = 8): string {
  return `${readableBase(username)}-${digest(sub, suffixLength)}`;
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
