import type { SshClient } from "../lib/fixtures";

/** One SSH server under test: where it listens, whom to log in as, and the client (own known_hosts) to use. */
export interface SshTarget {
  kind: "gateway" | "sshd";
  label: string;
  client: SshClient;
  user: string;
  keyFile: string;
  /** CPU seconds the server side has used so far (the portal process; sshd's reaped sessions incl. docker CLI). */
  serverCpu(): number;
}

export const TARGET_KINDS = ["gateway", "sshd"] as const;

/**
 * The OpenSSH client's argument list for one command. `-v` must come before the shared options: the first
 * LogLevel ssh sees wins, and SshClient.options sets ERROR. No multiplexing, so each run is a fresh connection.
 */
export function sshArgs(target: SshTarget, command: string, extra: { verbose?: boolean; kex?: string; cipher?: string } = {}): string[] {
  return [
    ...(extra.verbose ? ["-v"] : []),
    ...target.client.options(target.keyFile),
    "-o", "ControlMaster=no",
    "-o", "ControlPath=none",
    ...(extra.kex ? ["-o", `KexAlgorithms=${extra.kex}`] : []),
    ...(extra.cipher ? ["-o", `Ciphers=${extra.cipher}`] : []),
    "-p", String(target.client.port),
    `${target.user}@127.0.0.1`,
    command,
  ];
}
