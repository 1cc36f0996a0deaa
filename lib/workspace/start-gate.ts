import { WorkspaceError } from "./errors";

export class CapacityError extends WorkspaceError {
  constructor(cap: number, waitedSeconds: number) {
    super(
      "capacity",
      `All ${cap} workspace slots stayed busy for ${Math.round(waitedSeconds / 60) || 1} min, so your workspace could not start. ` +
        "Try again later; your files are safe.",
    );
  }
}

interface Waiter {
  sub: string;
  onPosition: (position: number) => void;
  grant: () => void;
  fail: (error: Error) => void;
}

/**
 * The cap on running workspaces, with a fair first-come queue in front of it. Decisions are made one at a time
 * against the engine's own count plus the starts already let through, so concurrent requests can never start
 * more than the cap between them.
 */
export class StartGate {
  private readonly queue: Waiter[] = [];
  /** Starts let through but not yet running (so not yet in the engine's count). */
  private readonly reserved = new Set<string>();
  private deciding: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly cap: number,
    private readonly maxWaitMs: number,
    /** Subjects whose workspaces run now, from the engine. */
    private readonly running: () => Promise<string[]>,
    private readonly pollMs = 2000,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** Who waits, first in line first. */
  waitingSubs(): string[] {
    return this.queue.map((w) => w.sub);
  }

  /** Position (1-based) of a subject in the queue, or 0. */
  positionOf(sub: string): number {
    return this.queue.findIndex((w) => w.sub === sub) + 1;
  }

  /**
   * Resolves when `sub` may start its workspace (at once when a slot is free), with a release to call once the
   * start has finished (either way). `onPosition` hears the place in line while waiting.
   */
  async acquire(sub: string, onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    if (this.cap <= 0) return () => {};
    const release = () => {
      this.reserved.delete(sub);
      this.kick();
    };
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const waiter: Waiter = {
        sub,
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
      const timeout = setTimeout(() => this.drop(waiter, new CapacityError(this.cap, (Date.now() - started) / 1000)), this.maxWaitMs);
      const onAbort = () => this.drop(waiter, new WorkspaceError("runtime_error", "The start was cancelled."));
      const cleanup = () => {
        clearTimeout(timeout);
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort);
      this.queue.push(waiter);
      this.kick();
    });
    return release;
  }

  /** Something stopped or went away: see whether the next in line may go. */
  kick(): void {
    this.deciding = this.deciding.then(() => this.decide()).catch(() => undefined);
  }

  private async decide(): Promise<void> {
    if (this.queue.length === 0) return this.idle();
    const running = new Set(await this.running());
    for (const sub of [...this.reserved]) if (running.has(sub)) this.reserved.delete(sub);
    // Someone whose workspace already runs needs no slot.
    for (const waiter of [...this.queue]) {
      if (running.has(waiter.sub) || this.reserved.has(waiter.sub)) this.take(waiter);
    }
    while (this.queue.length > 0 && running.size + this.reserved.size < this.cap) {
      const next = this.queue[0]!;
      this.reserved.add(next.sub);
      this.take(next);
    }
    this.queue.forEach((w, i) => w.onPosition(i + 1));
    if (this.queue.length > 0) this.poll();
    else this.idle();
  }

  private take(waiter: Waiter): void {
    const at = this.queue.indexOf(waiter);
    if (at >= 0) this.queue.splice(at, 1);
    waiter.grant();
  }

  private drop(waiter: Waiter, error: Error): void {
    const at = this.queue.indexOf(waiter);
    if (at < 0) return;
    this.queue.splice(at, 1);
    waiter.fail(error);
    this.kick();
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
