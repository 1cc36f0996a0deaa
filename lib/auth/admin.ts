export interface AdminRule {
  /** OIDC subjects: stable for an account's life, unlike its username. */
  subjects: string[];
  /** Usernames follow renames: a name freed and taken by another account carries the rights with it. */
  usernames: string[];
  claim: { name: string; value?: string } | null;
}

/**
 * Admin when the subject (or, less safely, the username) is listed, or the ID token carries the configured claim
 * (true, equal, or containing).
 */
export function isAdmin(rule: AdminRule, sub: string, username: string, claims: Record<string, unknown>): boolean {
  if (rule.subjects.includes(sub) || rule.usernames.includes(username)) return true;
  if (!rule.claim) return false;
  const value = claims[rule.claim.name];
  if (rule.claim.value === undefined) return value === true || value === "true" || value === 1;
  if (Array.isArray(value)) return value.map(String).includes(rule.claim.value);
  return String(value) === rule.claim.value;
}
