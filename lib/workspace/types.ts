import type { WorkspaceLimits } from "../config/env";

export type WorkspaceState = "none" | "stopped" | "starting" | "running" | "error";

/** Why a workspace is not running, in words the dashboard can show. */
export type StopReason = "out_of_memory" | "exited" | "never_started";

export interface WorkspaceStatus {
  state: WorkspaceState;
  username: string;
  slug: string;
  containerName: string;
  containerId?: string;
  startedAt?: Date;
  stoppedAt?: Date;
  stopReason?: StopReason;
  exitCode?: number;
  /** Address on the workspace network while running (for the VS Code and port proxies). */
  ipAddress?: string;
  error?: string;
}

export type StartStep = "checking" | "creating" | "starting" | "ready";

export interface StartProgress {
  step: StartStep;
  message: string;
}

export interface WorkspaceSettings {
  dataRoot: string;
  instance: string;
  image: string;
  namePrefix: string;
  network: string;
  limits: WorkspaceLimits;
  startTimeoutMs: number;
  stopTimeoutSeconds: number;
}
