import type { PortalDb } from "./schema";

/** The portal's database and what operations ask of it, whichever engine holds it. */
export interface PortalStore {
  readonly kind: "sqlite" | "postgres";
  readonly db: PortalDb;
  /** Where it is, for logs and the operators' status: a file, or a server (never its password). */
  readonly where: string;
  /** Resolves when the database takes writes now; throws what is wrong otherwise (disk full, read-only, down). */
  proveWritable(): Promise<void>;
  /**
   * A connection of its own, outside the pool, named `name` where other processes can see it (PostgreSQL only):
   * what a session-level lock (the leader's) and a process's presence hang on; both end when it closes.
   */
  openSession?(name: string): Promise<DedicatedSession>;
  close(): Promise<void>;
}

/** One connection held for as long as its holder lives. */
export interface DedicatedSession {
  query<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Called once when the connection ends, whichever way (closed here, the server gone, the network). */
  onEnd(listener: () => void): void;
  close(): Promise<void>;
}
