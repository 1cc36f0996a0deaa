import type { PortalDatabase } from "../store/db";
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
  action: AuditAction;
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
  // Prepared once: every status poll asks why a stopped workspace stopped.
  private readonly lastStopStmt;

  constructor(private readonly db: PortalDatabase) {
    this.lastStopStmt = db.prepare(
      "SELECT * FROM audit_log WHERE subject_sub = ? AND action = 'workspace.stop' ORDER BY id DESC LIMIT 1",
    );
  }

  record(
    action: AuditAction,
    entry: { actor?: string | null; subject?: { sub: string; username: string } | null; detail?: Record<string, unknown> },
  ): void {
    this.db
      .prepare("INSERT INTO audit_log (action, actor, subject_sub, subject_name, detail) VALUES (?, ?, ?, ?, ?)")
      .run(action, entry.actor ?? null, entry.subject?.sub ?? null, entry.subject?.username ?? null, JSON.stringify(entry.detail ?? {}));
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.action) {
      where.push("action = ?");
      params.push(filter.action);
    }
    if (filter.subject) {
      where.push("(subject_name = ? OR subject_sub = ? OR actor = ?)");
      params.push(filter.subject, filter.subject, filter.subject);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, Math.min(filter.limit ?? 200, 1000)) as Row[];
    return rows.map(toEntry);
  }

  /** The most recent stop of this user's workspace, with its reason. */
  lastStop(sub: string): AuditEntry | undefined {
    const row = this.lastStopStmt.get(sub) as Row | undefined;
    return row && toEntry(row);
  }
}

function toEntry(row: Row): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    action: row.action,
    actor: row.actor,
    subjectSub: row.subject_sub,
    subjectName: row.subject_name,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {},
  };
}
