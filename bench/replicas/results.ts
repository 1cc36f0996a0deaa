/** One terminal held by the killed process; times in ms after the kill. */
export interface TerminalBack {
  /** Reattached through the survivor, and its shell answered with the PID it had before the kill. */
  backMs?: number;
  /** The survivor said it attached (before the shell was asked its PID). */
  attachedMs?: number;
  /** Attempts to reattach (a refused one is retried until the wait ends). */
  attempts: number;
  /** The shell answered, but with another PID (a new shell, not the same one). */
  otherShell?: boolean;
  lastError?: string;
}

/** One `ssh … true` against the survivor; times in ms relative to the kill (negative: before it). */
export interface SshAttempt {
  at: number;
  endedAt: number;
  ok: boolean;
  /** The client's last line of stderr when it failed. */
  error?: string;
}

export interface TakeoverResult {
  terminals: TerminalBack[];
  waitSeconds: number;
  /** How long the kill itself took (signal sent to the process's exit seen). */
  killMs: number;
  ssh: SshAttempt[];
  sshWindow: { fromMs: number; toMs: number };
}

export interface EchoComparison {
  direct: number[];
  forwarded: number[];
}

export interface LineResult {
  cap: number;
  /** Owner names in the order they asked (the first `cap` started at once, the rest queued one after another). */
  asked: string[];
  /** Owner names in the order the engine started their containers. */
  started: string[];
  /** Queued starts that came out of the order asked. */
  outOfOrder: number;
  /** Engine events after which more than `cap` of the instance's containers were running. */
  overCapMoments: number;
  maxRunning: number;
}

/** Database round trips of one Open Workspace (one POST /api/workspace/start read to its end). */
export interface OpenTrips {
  kind: "first" | "running" | "stopped";
  /** Queries and Syncs the portal sent while the call ran, and the call's length. */
  raw: number;
  ms: number;
}

export interface RoundTripsResult {
  opens: OpenTrips[];
  /** The process's own queries per second with no call going (leases, presence, sweeps). */
  quietRate: number;
  quietSeconds: number;
}

/** Everything the replicas suite measured; a missing entry is a figure that could not be taken (see `errors`). */
export interface ReplicasResults {
  takeover?: TakeoverResult;
  echo?: EchoComparison;
  line?: LineResult;
  roundTrips?: RoundTripsResult;
  load: { start: number; end: number; cpus: number };
  errors: string[];
}
