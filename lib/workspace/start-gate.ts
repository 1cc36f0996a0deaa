import { WorkspaceError } from "../errors/workspace-errors";

export class CapacityError extends WorkspaceError {
  constructor(cap: number, waitedSeconds: number) {
    super(
      "capacity",
      `All ${cap} workspace slots stayed busy for ${Math.round(waitedSeconds / 60) || 1} min, so your workspace could not start. ` +
        "Try again later; your files are safe.",
    );
  }
}

/** A user's place in line, taken the moment they ask for their workspace. */
export interface Place {
  /**
   * Resolves when the workspace may start (at once when a slot is free), with a release to call once the start has
   * finished either way. `onPosition` hears the place in line while there is none.
   */
  wait(onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void>;
  /** Gives the place up (the workspace turned out to be running, or the start failed before it waited). */
  leave(): void;
}

interface Entry {
  sub: string;
  /** Set once the start is ready to go (its container exists) and waits for a slot. */
  waiter: { onPosition: (position: number) => void; grant: () => void; fail: (error: Error) => void } | null;
  /** Place in line beyond the slots, from the last decision (told only when it changes); 0 while a slot is held for it. */
  position: number;
}

/**
 * The cap on running workspaces, with a fair first-come queue in front of it. Order is by arrival: a place is taken
 * when the user asks, before anything slow (finding or creating the container) happens, so a user whose container
 * is quicker to make never overtakes one who asked first. Decisions are made one at a time against the engine's
 * own count plus the starts already let through, so concurrent requests never start more than the cap between them.
 */
export class StartGate {
  /** Everyone who asked and has neither started nor left, in arrival order. */
  private readonly line: Entry[] = [];
  /** Starts let through but not yet running (so not yet in the engine's count). */
  private readonly reserved = new Set<string>();
  private deciding: Promise<void> = Promise.resolve();
  private kickQueued = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly cap: number,
    private readonly maxWaitMs: number,
    /** Subjects whose workspaces run now, from the engine. */
    private readonly running: () => Promise<string[]>,
    private readonly pollMs = 2000,
  ) {}

  /** How many wait for a slot. */
  get waiting(): number {
    return this.line.filter((e) => e.position > 0).length;
  }

  /** Who waits for a slot, first in line first. */
  waitingSubs(): string[] {
    return this.line.filter((e) => e.position > 0).map((e) => e.sub);
  }

  /** Takes `sub`'s place in line now; synchronous, so the order of calls is the order of the line. */
  enter(sub: string): Place {
    if (this.cap <= 0) return { wait: async () => () => {}, leave: () => {} };
    const entry: Entry = { sub, waiter: null, position: 0 };
    this.line.push(entry);
    return {
      wait: (onPosition, signal) => this.wait(entry, onPosition, signal),
      leave: () => {
        // Only a waiter can gain from a freed place; the hot path (a running workspace) asks the engine nothing.
        if (this.remove(entry) && this.line.some((e) => e.waiter)) this.kick();
      },
    };
  }

  /** `enter` and `wait` in one, for a caller with nothing slow to do in between. */
  acquire(sub: string, onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    return this.enter(sub).wait(onPosition, signal);
  }

  /** Something stopped or went away: see whether the next in line may go. */
  kick(): void {
    // Kicks while a decision waits its turn are one decision: it has not asked the engine yet, so it sees them all.
    // (On a swarm, asking is a listing of every service and task: twenty arrivals must not make twenty in a row.)
    if (this.kickQueued) return;
    this.kickQueued = true;
    this.deciding = this.deciding
      .then(() => {
        this.kickQueued = false;
        return this.decide();
      })
      .catch(() => undefined);
  }

  private async wait(entry: Entry, onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    const sub = entry.sub;
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const timeout = setTimeout(() => this.drop(entry, new CapacityError(this.cap, (Date.now() - started) / 1000)), this.maxWaitMs);
      const onAbort = () => this.drop(entry, new WorkspaceError("runtime_error", "The start was cancelled."));
      const cleanup = () => {
        clearTimeout(timeout);
        signal?.removeEventListener("abort", onAbort);
      };
      entry.waiter = {
        onPosition,
        grant: () => {
          cleanup();
          resolve();
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort);
      // Placed in line by an earlier decision while it was still getting ready: say so before the next one.
      if (entry.position > 0) onPosition(entry.position);
      this.kick();
    });
    return () => {
      this.reserved.delete(sub);
      this.kick();
    };
  }

  private async decide(): Promise<void> {
    if (this.line.length === 0) return this.idle();
    const running = new Set(await this.running());
    for (const sub of [...this.reserved]) if (running.has(sub)) this.reserved.delete(sub);
    let free = this.cap - running.size - this.reserved.size;
    let position = 0;
    const counted = new Set<string>();
    for (const entry of [...this.line]) {
      // Someone whose workspace already runs (or is let through) needs no slot; nor does a second tab of one user.
      if (running.has(entry.sub) || this.reserved.has(entry.sub) || counted.has(entry.sub)) {
        entry.position = 0;
        if (entry.waiter && !counted.has(entry.sub)) this.grant(entry);
        continue;
      }
      counted.add(entry.sub);
      if (free > 0) {
        // A slot is this arrival's, whether it waits already or is still making its container.
        free -= 1;
        entry.position = 0;
        if (entry.waiter) {
          this.reserved.add(entry.sub);
          this.grant(entry);
        }
      } else {
        position += 1;
        if (entry.position !== position) {
          entry.position = position;
          entry.waiter?.onPosition(position);
        }
      }
    }
    if (position > 0) this.poll();
    else this.idle();
  }

  private grant(entry: Entry): void {
    this.remove(entry);
    entry.waiter!.grant();
  }

  private drop(entry: Entry, error: Error): void {
    if (!this.remove(entry)) return;
    entry.waiter?.fail(error);
    this.kick();
  }

  private remove(entry: Entry): boolean {
    const at = this.line.indexOf(entry);
    if (at < 0) return false;
    this.line.splice(at, 1);
    return true;
  }

  // While anyone waits, look again now and then: workspaces also stop behind the portal's back (OOM, docker stop).
  private poll(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
