import type { PortalDb } from "../store/schema";
import type { AuditAction } from "./actions";

export interface AuditEntry {
  id: number;
  at: string;
  action: AuditAction;
  /** Who did it: a username, or "system" for the idle stop and other automatic actions. */
  actor: string | null;
  subjectSub: string | null;
  subjectName: string | null;
  detail: Record<string, unknown>;
}

interface Row {
  id: number;
  at: string;
  action: string;
  actor: string | null;
  subject_sub: string | null;
  subject_name: string | null;
  detail: string | null;
}

export interface AuditFilter {
  action?: AuditAction;
  subject?: string;
  limit?: number;
}

/** An append-only record of who did what to which workspace, in the portal's database. */
export class AuditLog {
  constructor(private readonly db: PortalDb) {}

  async record(
    action: AuditAction,
    entry: { actor?: string | null; subject?: { sub: string; username: string } | null; detail?: Record<string, unknown> },
  ): Promise<void> {
    await this.db
      .insertInto("audit_log")
      .values({
        action,
        actor: entry.actor ?? null,
        subject_sub: entry.subject?.sub ?? null,
        subject_name: entry.subject?.username ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
      })
      .execute();
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom("audit_log").selectAll();
    if (filter.action) query = query.where("action", "=", filter.action);
    const subject = filter.subject;
    if (subject) query = query.where((eb) => eb.or([eb("subject_name", "=", subject), eb("subject_sub", "=", subject), eb("actor", "=", subject)]));
    const rows = await query.orderBy("id", "desc").limit(Math.min(filter.limit ?? 200, 1000)).execute();
    return rows.map(toEntry);
  }

  /** The most recent stop of this user's workspace, with its reason: every status poll of a stopped one asks. */
  async lastStop(sub: string): Promise<AuditEntry | undefined> {
    const row = await this.db
      .selectFrom("audit_log")
      .selectAll()
      .where("subject_sub", "=", sub)
      .where("action", "=", "workspace.stop")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row && toEntry(row);
  }
}

function toEntry(row: Row): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    action: row.action as AuditAction,
    actor: row.actor,
    subjectSub: row.subject_sub,
    subjectName: row.subject_name,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {},
  };
}
