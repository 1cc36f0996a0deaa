import { TokenBucket } from "../util/token-bucket";
import { WorkspaceError } from "../errors/workspace-errors";

export interface TerminalAllowanceLimits {
  /** Web terminals and SSH sessions one user may have open at once, together (TERMINAL_MAX_PER_USER). */
  maxOpen: number;
  /** New terminals, SSH sessions and `-L` relays one user may start per minute, together; as many at once. */
  opensPerMinute: number;
}

// Users whose budget is full are forgotten past this many (a full bucket is the same as a new one).
const PRUNE_ABOVE = 10_000;

/**
 * What one user may open through every door. Each web terminal, SSH session and `-L` relay is a `docker exec`
 * (and one more to end it): the caps on what is open bound how many at once, this bounds how often, so a loop
 * that opens and closes them costs its user a wait, not dockerd its CPU. Web terminals and SSH sessions also
 * share one count, so neither door doubles the other's limit.
 */
export class TerminalAllowance {
  private readonly open = new Map<string, number>();
  private readonly starts = new Map<string, TokenBucket>();

  constructor(
    readonly limits: TerminalAllowanceLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Open terminals and SSH sessions of this user. */
  openOf(sub: string): number {
    return this.open.get(sub) ?? 0;
  }

  /**
   * A place for one more open terminal or SSH session, given back (once) by the function returned; a user who has
   * as many open as allowed is told so.
   */
  hold(sub: string): () => void {
    const open = this.openOf(sub);
    if (open >= this.limits.maxOpen) {
      throw new WorkspaceError(
        "runtime_error",
        `You have ${open} terminals and SSH sessions open, the most allowed. Close one (a terminal tab's ×, or exit an SSH session) to open another.`,
      );
    }
    this.open.set(sub, open + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = this.openOf(sub) - 1;
      if (left <= 0) this.open.delete(sub);
      else this.open.set(sub, left);
    };
  }

  /** Spends one start (a process about to be made in the workspace), or says how long to wait (WorkspaceError "rate_limited"). */
  start(sub: string): void {
    const { opensPerMinute } = this.limits;
    let bucket = this.starts.get(sub);
    if (!bucket) {
      if (this.starts.size >= PRUNE_ABOVE) this.prune();
      bucket = new TokenBucket(opensPerMinute / 60, opensPerMinute, this.now);
      this.starts.set(sub, bucket);
    }
    if (bucket.take()) return;
    const seconds = Math.max(1, Math.ceil(bucket.waitMs() / 1000));
    throw new WorkspaceError(
      "rate_limited",
      `Too many terminals, SSH sessions and forwarded connections opened in a short time (at most ${opensPerMinute} a minute). ` +
        `Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
    );
  }

  private prune(): void {
    for (const [sub, bucket] of this.starts) if (bucket.full) this.starts.delete(sub);
  }
}
