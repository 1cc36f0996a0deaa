/**
 * The per-user lock around a workspace's start, stop and removal: in one process a KeyedMutex
 * (lib/util/keyed-mutex.ts); with several processes on one database, a lock they all see
 * (lib/workspace/shared/pg-user-locks.ts), so two of them never race to create or start one user's workspace.
 */
export interface UserLocks {
  run<T>(sub: string, work: () => Promise<T>): Promise<T>;
  /** Whether the user's lock is held now (a start in progress shows as "starting"), whichever process holds it. */
  isBusy(sub: string): boolean | Promise<boolean>;
}
