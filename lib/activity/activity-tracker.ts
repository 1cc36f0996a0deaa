/** The ways into a workspace, and its own busy CPU; each reports use here, so the idle stop sees all of them. */
export type Door = "terminal" | "ssh" | "vscode" | "notebook" | "port" | "portal" | "cpu";

export interface Activity {
  at: number;
  door: Door;
}

/**
 * When each user last used their workspace, through any door. Kept in memory: after a portal restart every
 * running workspace counts as used at that moment, so a restart never stops anyone's work early.
 */
export class ActivityTracker {
  private readonly last = new Map<string, Activity>();

  constructor(private readonly now: () => number = Date.now) {}

  touch(sub: string, door: Door): void {
    this.last.set(sub, { at: this.now(), door });
  }

  lastActivity(sub: string): Activity | undefined {
    return this.last.get(sub);
  }

  forget(sub: string): void {
    this.last.delete(sub);
  }
}
