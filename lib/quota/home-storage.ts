import { execFile } from "node:child_process";

/** The limits one home is held to; null: none. */
export interface HomeLimitBytes {
  softBytes: number | null;
  hardBytes: number | null;
}

/**
 * What the storage homes live on can do for their sizes: measure one, and perhaps hold it to its limits when files
 * are written. One kind per storage: a local file system (`du`; XFS project quotas where mounted with them), or a
 * shared one that keeps its own accounting (GlusterFS directory quotas), so that no portal process walks homes over
 * the network.
 */
export interface HomeStorage {
  /** For logs and the operators' status: how sizes are measured. */
  readonly kind: string;
  /** Writes past the hard limit fail ("Disk quota exceeded"); otherwise the limit holds only at the next start. */
  readonly enforced: boolean;
  /** The bytes `home` holds now. */
  measure(home: string): Promise<number>;
  /** Sets `home`'s limits before its workspace starts (the quotas file may have changed since the last). */
  apply(home: string, id: number, limits: HomeLimitBytes): Promise<void>;
}

/** The bytes a directory holds, walked with `du` on this host (every file's size is a `stat` away). */
export function du(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // -s one total, -k kibibytes (portable), -x stay on this filesystem.
    execFile("du", ["-skx", dir], { timeout: 120_000 }, (error, stdout) => {
      const kib = Number(stdout.split(/\s+/)[0]);
      if (error && !Number.isFinite(kib)) return reject(error);
      resolve(kib * 1024); // du exits non-zero on unreadable files but still prints a total
    });
  });
}
