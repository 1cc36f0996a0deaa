import { SLUG_PATTERN } from "../identity/naming";
import type { RegisteredUser, UserRegistry } from "../identity/registry";

// What every OpenSSH accepts as a remote user name on its command line: since the CVE-2023-51385 fix it refuses
// shell metacharacters (' ` " ; & < > | ( ) { }) and a leading '-'; '@' splits user from host in `user@host`.
// Anything else plain ASCII is kept as the user typed it.
const PLAIN = /^[A-Za-z0-9._+][A-Za-z0-9._+-]*$/;

/**
 * The name a user gives `ssh`: their username when every client takes it as it is, else their workspace name
 * ([a-z0-9-], unique, and fixed for the account's life), which the gateway accepts beside the username.
 */
export function sshLoginName(user: Pick<RegisteredUser, "username" | "slug">): string {
  return PLAIN.test(user.username) ? user.username : user.slug;
}

/** The account an SSH login names: by username first, then by workspace name. */
export async function userForSshLogin(registry: UserRegistry, name: string): Promise<RegisteredUser | undefined> {
  return (await registry.byUsername(name)) ?? (SLUG_PATTERN.test(name) ? await registry.bySlug(name) : undefined);
}
