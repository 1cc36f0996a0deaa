import { randomBytes } from "node:crypto";
import type { DedicatedSession } from "../store/store";

const PREFIX = "scitex-portal:";

/** This process's name among the portal's processes: new at every start, so a restarted process is a new one. */
export function newProcessId(): string {
  return randomBytes(9).toString("base64url");
}

/** The name its own connection carries, by which the others see it alive (PostgreSQL's application_name). */
export function sessionName(processId: string): string {
  return `${PREFIX}${processId}`;
}

/**
 * The portal processes alive now: those whose own connection the database still holds. A process killed outright
 * is gone from this list as soon as the server sees its connection close, with no heartbeat to wait out.
 */
export async function liveProcesses(session: DedicatedSession): Promise<Set<string>> {
  const rows = await session.query<{ name: string }>(
    "SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1",
    [`${PREFIX}%`],
  );
  return new Set(rows.map((row) => row.name.slice(PREFIX.length)));
}
