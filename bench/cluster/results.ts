import type { EchoResult } from "../terminal/echo-latency";
import type { ThroughputResult } from "../terminal/throughput";
import type { StackKind } from "./stacks";
import type { VscodeMoveResult } from "./vscode-move";

/** Open Workspace to prompt, in seconds, one entry per run. */
export interface OpenTimes {
  cold: number[];
  hot: number[];
  warm: number[];
}

/** One stop under a full cap: how long the stop call took, and until the next in line was let start (seconds). */
export interface SlotRun {
  stopSeconds: number;
  admittedSeconds: number;
}

/** One workspace that ran on the killed worker; times in seconds after the kill. */
export interface LostWorkspace {
  slug: string;
  /** Its state on the cluster seen running on another worker. */
  runningAt?: number;
  /** A command ran in it through the portal's workspace service (the lease probe passed: it is ready). */
  readyAt?: number;
  /** The worker it came back on. */
  node?: string;
  /** Bytes written and fsynced before the kill, and how many of them did not read back the same afterwards. */
  bytesWritten: number;
  bytesLost?: number;
  /** Where the files were read back: in the moved workspace, or (not back) on this host's mount of the homes. */
  checkedIn?: "workspace" | "storage";
  /** What the portal's workspace service said of it when the wait ended (its state, and where). */
  stateAfter?: string;
}

export interface LossRound {
  heartbeat: string;
  victim: string;
  /** cluster.sh kill-node: every process of the worker's cgroup killed, its link down (seconds). */
  killSeconds: number;
  /** The manager listed the worker as down (seconds after the kill). */
  downAt?: number;
  /** How long the lost workspaces were waited for. */
  waitSeconds: number;
  workspaces: LostWorkspace[];
  /** Workspaces started for the round that Swarm had placed on the other worker (not timed). */
  elsewhere: number;
  /** cluster.sh up bringing the killed worker back (seconds). */
  reviveSeconds?: number;
}

/** One look at every worker during the partition: copies of the workspace running, and ready (holding its lease). */
export interface CopySample {
  /** Milliseconds since the partition began (negative: before it). */
  at: number;
  running: number;
  ready: number;
  /** Copies whose probe did not answer in time (their node busy or cut off): counted neither ready nor not. */
  unknown: number;
}

export interface PartitionResult {
  node: string;
  partitionSeconds: number;
  afterHealSeconds: number;
  samples: CopySample[];
  /** The workspace answered through the portal's service once it was all over (waited for up to 30 s). */
  readyAfter: boolean;
  /** Its state then, as the portal's service reports it (and where, and why not running). */
  stateAfter: string;
}

export interface TerminalPathResult {
  /** The worker whose engine (mutual TLS) carried the cluster's terminal. */
  node?: string;
  throughputMb: number;
  throughput: Partial<Record<StackKind, ThroughputResult>>;
  echoRounds: Partial<Record<StackKind, EchoResult[]>>;
}

/** Calls to the backend with `n` workspaces running on it, in milliseconds. */
export interface ListLatency {
  n: number;
  /** Seconds to start the n (a few at a time), for information. */
  startSeconds: number;
  listMs: number[];
  inspectMs: number[];
  /** Workspaces per machine, for the cluster. */
  spread?: Record<string, number>;
}

/** Everything the cluster suite measured; a missing entry is a figure that could not be taken (see `errors`). */
export interface ClusterResults {
  open: Partial<Record<StackKind, OpenTimes>>;
  slot: Partial<Record<StackKind, SlotRun[]>>;
  loss: LossRound[];
  partition?: PartitionResult;
  terminal?: TerminalPathResult;
  list: Partial<Record<StackKind, ListLatency>>;
  vscode?: VscodeMoveResult;
  /** The cluster's dispatcher heartbeat when the suite began. */
  heartbeat: string;
  /** 1-minute load average at the start and end (the machine's other work moves every figure). */
  load: { start: number; end: number; cpus: number };
  errors: string[];
}
