import type { Generated, Kysely } from "kysely";

/**
 * The portal's tables as both databases hold them (lib/store/migrations.ts makes them). Times the portal compares
 * are integers of ms; times people read are ISO-8601 text (UTC, ms, "Z"), written by the portal, never by SQL, so
 * both databases store the same text.
 */
export interface PortalSchema {
  users: UsersTable;
  ssh_keys: SshKeysTable;
  audit_log: AuditLogTable;
  app_tickets_used: { jti: string; expires_at: number };
  app_sessions: { token_hash: string; sub: string; host: string; portal_sid: string; expires_at: number };
  ended_portal_sessions: { sid: string; expires_at: number };
  provider_grants: ProviderGrantsTable;
  idle_extensions: { sub: string; until_ms: number; started_at_ms: number | null; extended_at_ms: number };
  sign_ins: { sub: string; at_ms: number };
  counters: { name: string; value: number };
  portal_facts: { name: string; value: string; recorded_at: string };
  start_line: StartLineTable;
  open_terminals: OpenTerminalsTable;
  ssh_approvals: SshApprovalsTable;
  login_failures: { key: string; at_ms: number };
  last_use: { sub: string; at_ms: number; door: string };
  home_sizes: { slug: string; bytes: number; measured_at_ms: number };
}

/** One place in the shared start queue (lib/workspace/shared/start-line-table.ts). */
export interface StartLineTable {
  id: Generated<number>;
  sub: string;
  holder: string;
  ready: Generated<number>;
  state: Generated<"waiting" | "granted" | "go">;
  position: Generated<number>;
  orphaned_at: number | null;
}

export interface OpenTerminalsTable {
  id: string;
  sub: string;
  /** The holding process's id (made up at its start). */
  owner: string;
  /** Where other processes reach it (http://host:port), never taken from a client. */
  owner_address: string;
  created_at_ms: number;
  seen_at_ms: number;
}

export interface SshApprovalsTable {
  id: string;
  code: string;
  username: string;
  client_address: string;
  client_software: string;
  created_at_ms: number;
  expires_at_ms: number;
  /** Null while it waits; "approved", "denied" or "expired" once settled (a settled row is never settled again). */
  outcome: string | null;
  approver_sub: string | null;
}

export interface UsersTable {
  sub: string;
  username: string;
  slug: string;
  email: string | null;
  name: string | null;
  groups: string | null;
  created_at: Generated<string>;
  updated_at: Generated<string>;
  uid_index: number | null;
  disabled_at: string | null;
  sessions_valid_after: number | null;
  provider_refused_at: string | null;
}

export interface SshKeysTable {
  id: Generated<number>;
  sub: string;
  name: string;
  type: string;
  fingerprint: string;
  public_key: string;
  created_at: Generated<string>;
  last_used_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<string>;
  action: string;
  actor: string | null;
  subject_sub: string | null;
  subject_name: string | null;
  detail: string | null;
}

export interface ProviderGrantsTable {
  sub: string;
  issuer: string;
  client_id: string;
  sealed_token: string;
  is_admin: number;
  groups: string | null;
  checked_at: number;
}

/** The portal's database, whichever engine holds it. */
export type PortalDb = Kysely<PortalSchema>;

/** Now, as the text columns hold it. */
export function isoNow(): string {
  return new Date().toISOString();
}
