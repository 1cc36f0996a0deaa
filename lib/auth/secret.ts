import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The configured secret, or (outside production) one generated once and kept in the data directory, so sessions
 * survive a restart of a locally run portal without anyone having to invent a secret.
 */
export function resolveAuthSecret(configured: string | null, dataRoot: string): string {
  if (configured) return configured;
  const file = path.join(dataRoot, "auth-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
  const secret = randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
}
