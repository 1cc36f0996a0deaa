import type { AuditLog } from "../audit/audit-log";
import type { PortalUser } from "../identity/user";

export interface ShutOutDeps {
  auth: { forgetSubject(sub: string): void };
  appSessions: { endForSubject(sub: string): void };
  registry: { bySub(sub: string): PortalUser | undefined };
  terminals: { closeAllOf(user: PortalUser): Promise<unknown> };
  audit: Pick<AuditLog, "record">;
}

/**
 * A shut-out account (disabled by its provider, or every sign-in ended) is refused at every door, and what it has
 * open closes now, not at its next request: cached sessions, app sessions, web terminals and SSH sessions.
 */
export function endEverythingOf(deps: ShutOutDeps): (sub: string, reason: string) => void {
  return (sub, reason) => {
    deps.auth.forgetSubject(sub);
    deps.appSessions.endForSubject(sub);
    const user = deps.registry.bySub(sub);
    if (user) void deps.terminals.closeAllOf(user);
    deps.audit.record("admin.action", { actor: "portal", subject: user ?? { sub, username: sub }, detail: { action: `sessions ended: ${reason}` } });
  };
}
