/** Every action the audit log records; the workspace's stop reasons are what users are told. */
export const AUDIT_ACTIONS = [
  "sign-in",
  "workspace.create",
  "workspace.start",
  "workspace.stop",
  "workspace.remove",
  "ssh.login",
  "ssh.key.add",
  "ssh.key.delete",
  "admin.action",
  "user.username-moved",
  "user.rights-changed",
  "user.refused-by-provider",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actions an admin can filter the log by, in the order the audit viewer offers them. */
export const FILTER_ACTIONS = [
  "sign-in",
  "workspace.start",
  "workspace.stop",
  "workspace.create",
  "workspace.remove",
  "ssh.login",
  "ssh.key.add",
  "ssh.key.delete",
  "admin.action",
] as const satisfies readonly AuditAction[];

export function isFilterAction(value: string): value is (typeof FILTER_ACTIONS)[number] {
  return (FILTER_ACTIONS as readonly string[]).includes(value);
}
