/** Output as the stack delivers it: bytes (portal, Docker) or already-decoded text (WeTTY sends strings). */
export type Chunk = Buffer | string;

export type StackKind = "portal" | "wetty" | "docker";

/** Where a terminal comes from; plain data, so a flood worker in another process can open the same kind. */
export type TerminalTarget =
  | { kind: "portal"; url: string; cookie: string; terminalId?: string }
  | { kind: "wetty"; url: string }
  | { kind: "docker"; engine: EngineAddress; containerId: string };

/**
 * A Docker Engine API, as plain data: this host's socket, or a cluster node's TCP port with mutual TLS (the PEM
 * files' paths: the portal's client certificate and the cluster's CA).
 */
export type EngineAddress =
  | { socketPath: string }
  | { host: string; port: number; tls: { ca: string; cert: string; key: string } };

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** One interactive shell, the same to every measurement whichever stack carries it. */
export interface BenchTerminal {
  readonly kind: StackKind;
  send(data: string): void;
  /** Listens to output (already acknowledged the way that stack's browser client would); returns the unsubscribe. */
  onOutput(listener: (chunk: Chunk) => void): () => void;
  /** Ends the shell (not merely the connection) and disconnects. */
  close(): Promise<void>;
}

/** Fan-out of one output stream to the listeners a measurement attaches and detaches. */
export class OutputHub {
  private readonly listeners = new Set<(chunk: Chunk) => void>();

  on(listener: (chunk: Chunk) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(chunk: Chunk): void {
    for (const listener of this.listeners) listener(chunk);
  }
}
