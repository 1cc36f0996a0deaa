import type { ProcBind } from "./lxcfs";
import type { PortalConfig } from "../config/env";

export type WorkspaceState = "none" | "stopped" | "starting" | "running" | "error";

/** Why a workspace is not running, in words the dashboard can show. */
export type StopReason = "out_of_memory" | "exited" | "never_started";

export interface WorkspaceStatus {
  state: WorkspaceState;
  /** The owner's OIDC subject (from the container's labels, or the user asked about). */
  sub: string;
  username: string;
  slug: string;
  /** Its name on the engine (a container's here). */
  containerName: string;
  /** The engine's id of what runs it now (a container id): changes whenever it is made anew or moves. */
  containerId?: string;
  /** The machine it runs on, where its backend has several. */
  node?: string;
  startedAt?: Date;
  stoppedAt?: Date;
  stopReason?: StopReason;
  exitCode?: number;
  /** While running, its address, reachable from the portal's hosts (for the VS Code and port proxies, `ssh -L`). */
  ipAddress?: string;
  error?: string;
}

export type StartStep = "checking" | "queued" | "creating" | "starting" | "ready";

export interface StartProgress {
  step: StartStep;
  message: string;
}

/** What the workspace engine needs of the portal's configuration. */
export type WorkspaceSettings = Pick<PortalConfig, "dataRoot" | "instance"> &
  PortalConfig["workspace"] & {
    /** Files bound over the workspace's /proc (LXCFS), found once at start. */
    procBinds: ProcBind[];
  };
