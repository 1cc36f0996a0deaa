import type { PortalDb } from "./schema";

/** The portal's database and what operations ask of it, whichever engine holds it. */
export interface PortalStore {
  readonly kind: "sqlite" | "postgres";
  readonly db: PortalDb;
  /** Where it is, for logs and the operators' status: a file, or a server (never its password). */
  readonly where: string;
  /** Resolves when the database takes writes now; throws what is wrong otherwise (disk full, read-only, down). */
  proveWritable(): Promise<void>;
  close(): Promise<void>;
}
