import { hkdfSync } from "node:crypto";

/** A key for one purpose, derived from the portal's secret, so no two uses of the secret share a key. */
export function deriveKey(secret: string, purpose: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), `scitex-portal ${purpose}`, bytes));
}
