import type { StopCause, StopDetail, WorkspaceEvent } from "./manager";

/** Why a user's workspace is being (or was) stopped, as its open sessions are told when they end. */
export interface StopNotice {
  cause: StopCause;
  detail?: StopDetail;
}

/**
 * The reason for each workspace's latest stop, noted before the engine stops it, so a terminal or SSH session that
 * ends because of the stop can say why instead of just ending. In memory: it matters only to sessions open at
 * the moment of the stop; the dashboard reads the lasting record from the audit log.
 */
export class StopNotices {
  private readonly bySub = new Map<string, StopNotice>();

  stopping(sub: string, notice: StopNotice): void {
    this.bySub.set(sub, notice);
  }

  /** The workspace runs (again, or the stop failed): sessions that end from now on end for other reasons. */
  running(sub: string): void {
    this.bySub.delete(sub);
  }

  /** Keeps the notices in step with the manager's events. */
  follow(event: WorkspaceEvent): void {
    if (event.type === "stopping") this.stopping(event.user.sub, { cause: event.cause, ...(event.detail ? { detail: event.detail } : {}) });
    if (event.type === "started" || event.type === "stop-failed") this.running(event.user.sub);
  }

  get(sub: string): StopNotice | undefined {
    return this.bySub.get(sub);
  }
}

/** What happened, in one sentence: "The workspace was stopped after 30 minutes without use; 2 processes ended." */
export function stopSentence(notice: StopNotice): string {
  if (notice.cause === "admin") return "An administrator stopped the workspace.";
  if (notice.cause === "user") return "The workspace was stopped from the portal.";
  const idleMs = notice.detail?.idleMs;
  const minutes = idleMs === undefined ? undefined : Math.round(idleMs / 60_000);
  const idle =
    minutes === undefined
      ? "after a while without use"
      : minutes < 1
        ? "after less than a minute without use"
        : `after ${minutes} ${minutes === 1 ? "minute" : "minutes"} without use`;
  const processes = notice.detail?.processes;
  const ended = processes ? `; ${processes} ${processes === 1 ? "process" : "processes"} ended` : "";
  return `The workspace was stopped ${idle}${ended}.`;
}

/** The sentence and what to do next, through the door the user is at. */
export function stopMessage(notice: StopNotice, door: "web" | "ssh"): string {
  return `${stopSentence(notice)} ${door === "web" ? "Start it again to continue." : "Connect again to start it."}`;
}
