/** The ways into a workspace, and its own busy CPU; each reports use here, so the idle stop sees all of them. */
export type Door = "terminal" | "ssh" | "vscode" | "notebook" | "port" | "portal" | "cpu";

export interface Activity {
  at: number;
  door: Door;
}

/**
 * When each user last used their workspace, through any door. Kept in memory: after a portal restart every
 * running workspace counts as used at that moment, so a restart never stops anyone's work early. With several
 * processes, SharedLastUse passes each one's uses to the others through the database.
 */
export class ActivityTracker {
  private readonly last = new Map<string, Activity>();
  /** Uses since the last `takeChanges`, when something (SharedLastUse) passes them on; null otherwise. */
  private changes: Map<string, Activity> | null = null;
  /** Brings in what other processes saw, before a decision that rests on it (SharedLastUse sets it). */
  pull: () => Promise<void> = async () => undefined;

  constructor(private readonly now: () => number = Date.now) {}

  touch(sub: string, door: Door): void {
    const activity = { at: this.now(), door };
    this.last.set(sub, activity);
    this.changes?.set(sub, activity);
  }

  /** Starts keeping, per user, the latest use since it was last asked (a keystroke costs a map write, no more). */
  keepChanges(): void {
    this.changes ??= new Map();
  }

  /** The latest use of each user since the last call. */
  takeChanges(): Map<string, Activity> {
    const taken = this.changes ?? new Map<string, Activity>();
    if (this.changes) this.changes = new Map();
    return taken;
  }

  /** A use whose passing-on failed: passed on with the next changes, unless a later one came meanwhile. */
  requeue(sub: string, activity: Activity): void {
    if (this.changes && activity.at > (this.changes.get(sub)?.at ?? 0)) this.changes.set(sub, activity);
  }

  /** A use seen elsewhere (another process): kept when it is later than what this process saw. */
  merge(sub: string, activity: Activity): void {
    if (activity.at > (this.last.get(sub)?.at ?? 0)) this.last.set(sub, activity);
  }

  lastActivity(sub: string): Activity | undefined {
    return this.last.get(sub);
  }

  forget(sub: string): void {
    this.last.delete(sub);
    this.changes?.delete(sub);
  }
}
