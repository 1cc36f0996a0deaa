import type { AuditLog } from "../audit/audit-log";
import type { ShutOutWhere } from "../identity/account-status";
import type { PortalUser } from "../identity/user";

export interface ShutOutDeps {
  auth: { forgetSubject(sub: string): void };
  appSessions: { endForSubject(sub: string): Promise<void> };
  registry: { bySub(sub: string): Promise<PortalUser | undefined> };
  terminals: { closeAllOf(user: PortalUser): Promise<unknown> };
  audit: Pick<AuditLog, "record">;
}

/**
 * A shut-out account (disabled by its provider, or every sign-in ended) is refused at every door, and what it has
 * open closes now, not at its next request: cached sessions, app sessions, web terminals and SSH sessions. Every
 * process does so for what it holds; the one where it happened also writes the audit record.
 */
export function endEverythingOf(deps: ShutOutDeps): (sub: string, reason: string, where?: ShutOutWhere) => Promise<void> {
  return async (sub, reason, where = "here") => {
    deps.auth.forgetSubject(sub);
    const user = await deps.registry.bySub(sub);
    // Terminals close whatever the database says next: a flaky write must not keep a shut-out user's shells open.
    if (user) void deps.terminals.closeAllOf(user);
    await deps.appSessions.endForSubject(sub);
    if (where !== "here") return;
    await deps.audit.record("admin.action", { actor: "portal", subject: user ?? { sub, username: sub }, detail: { action: `sessions ended: ${reason}` } });
  };
}
