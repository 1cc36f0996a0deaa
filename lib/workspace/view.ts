import type { ProblemBody } from "../errors/problem";
import type { StopCause } from "./manager";
import type { StartProgress, WorkspaceStatus } from "./types";
import type { WorkspaceUsage } from "./usage-meter";

/** What the browser may know about a workspace: no container ids or network addresses. */
export interface WorkspaceView {
  state: WorkspaceStatus["state"];
  username: string;
  name: string;
  startedAt?: string;
  stoppedAt?: string;
  stopReason?: WorkspaceStatus["stopReason"];
  /** Who or what stopped it: its owner, the idle stop, or an admin. */
  stopCause?: StopCause;
  exitCode?: number;
  /** While running: when the idle stop will stop it if nobody uses it before then. */
  idleStopAt?: string;
  /** While running: "+1 h" would move idleStopAt later (the operator's limit is not reached). */
  canExtend?: boolean;
  /** After an idle stop: how long nobody had used it, and how many of the user's processes it ended. */
  idleStop?: { idleMinutes: number; processes?: number };
  /** The home directory's last measured size and the user's limits (null: none). */
  disk?: { usedBytes: number; measuredAt: string; softBytes: number | null; hardBytes: number | null };
}

/** A home full or nearly so, as the workspace bar says it (lib/quota/disk-alert.ts words it). */
export interface DiskAlert {
  /** `full`: at or over the hard limit; `near`: at or over the soft limit (or 90 % of the hard one, with none). */
  level: "full" | "near";
  message: string;
}

/** What /api/workspace/usage answers for the bar's meter: nothing more than `running: false` while it is not. */
export interface WorkspaceUsageView extends Partial<WorkspaceUsage> {
  running: boolean;
  /** The home directory's last measured size, and its hard limit (null: none). */
  diskBytes?: number;
  diskLimitBytes?: number | null;
  /** The home is full or nearly so: what fails, and what to do. */
  diskAlert?: DiskAlert;
}

/** One line of /api/workspace/start's NDJSON answer: a line per step, then the workspace or what failed. */
export type StartLine = { progress: StartProgress } | { status: WorkspaceView } | ProblemBody;
