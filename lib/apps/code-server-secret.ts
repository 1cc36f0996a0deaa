import { createHmac } from "node:crypto";
import { deriveKey } from "../util/derive-key";

/** code-server's session cookie: with a hashed password configured, its value must equal that hash. */
export const CODE_SERVER_COOKIE = "code-server-session";

/**
 * The credential each workspace's app server (code-server's password, Jupyter's token) is started with, which only
 * the portal can present: a process on the Docker host that reaches the workspace's address gets a login page, not a
 * shell. It is derived from the portal's own secret, the app's purpose and the workspace's name: every portal process
 * that shares AUTH_SECRET presents the same one, and a restarted portal still gets into a server started before it.
 */
export class AppSecrets {
  private readonly key: Buffer;
  private readonly known = new Map<string, string>();

  /** `purpose` keeps each app's secrets apart: VS Code's password is never Jupyter's token. */
  constructor(secret: string, purpose = "code-server password") {
    this.key = deriveKey(secret, purpose);
  }

  /**
   * What code-server is given as HASHED_PASSWORD and the cookie value the portal sends. It is hex, not an argon2
   * hash, so code-server compares the cookie with it directly (no password is ever typed).
   */
  for(slug: string): string {
    let value = this.known.get(slug);
    if (value === undefined) {
      value = createHmac("sha256", this.key).update(slug).digest("hex");
      this.known.set(slug, value);
    }
    return value;
  }
}
