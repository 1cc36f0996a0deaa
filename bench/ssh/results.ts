import type { ConnectResult } from "./connect-latency";
import type { Negotiated } from "./negotiated";
import type { SshTarget } from "./target";
import type { ThroughputResult } from "./throughput";

export type TargetKind = SshTarget["kind"];
export const TARGET_LABEL: Record<TargetKind, string> = { gateway: "gateway (ssh2)", sshd: "OpenSSH sshd" };

/** Everything the ssh suite measured; a missing entry is a figure that could not be taken (see `errors`). */
export interface SshResults {
  sizeArg: string;
  connectRuns: number;
  kex: string;
  cipher?: string;
  throughput: Partial<Record<TargetKind, ThroughputResult>>;
  connect: Partial<Record<TargetKind, ConnectResult>>;
  negotiated: Partial<Record<TargetKind, Negotiated>>;
  /** Whether the gateway's ssh2 runs with its native crypto binding (sshcrypto.node) or its JS fallbacks. */
  ssh2Binding: boolean;
  /** 1-minute load average at the start and end: other work on the machine moves MB/s, not CPU per GB. */
  load: { start: number; end: number };
  errors: string[];
}
