import type { Logger } from "pino";
import type { WorkspaceManager } from "../workspace/manager";
import type { ActivityTracker } from "./activity-tracker";

/**
 * Stops (never removes) workspaces nobody has used for the idle timeout, through any door. A workspace counts
 * as used when it started, and when the portal itself started, so neither a fresh start nor a portal restart
 * can be mistaken for idleness.
 */
export class IdleReaper {
  private timer: NodeJS.Timeout | null = null;
  private readonly since = Date.now();
  private sweeping = false;

  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly activity: ActivityTracker,
    readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** When this user's workspace will be stopped if nobody uses it before then. */
  deadline(sub: string, startedAt: Date | undefined): Date | null {
    if (this.timeoutMs <= 0) return null;
    const last = Math.max(this.activity.lastActivity(sub)?.at ?? 0, startedAt?.getTime() ?? 0, this.since);
    return new Date(last + this.timeoutMs);
  }

  start(): void {
    if (this.timeoutMs <= 0 || this.timer) return;
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.timeoutMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass: stops every running workspace past its deadline; returns their usernames. */
  async sweep(): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    const stopped: string[] = [];
    try {
      for (const ws of await this.workspaces.list()) {
        if (ws.state !== "running" || !ws.sub) continue;
        const deadline = this.deadline(ws.sub, ws.startedAt);
        if (!deadline || deadline.getTime() > this.now()) continue;
        try {
          await this.workspaces.stop({ sub: ws.sub, username: ws.username }, "idle");
          this.activity.forget(ws.sub);
          stopped.push(ws.username);
        } catch (error) {
          this.log.warn({ err: error, user: ws.username }, "idle stop failed");
        }
      }
    } catch (error) {
      this.log.warn({ err: error }, "idle sweep failed");
    } finally {
      this.sweeping = false;
    }
    if (stopped.length) this.log.info({ users: stopped }, "stopped idle workspaces");
    return stopped;
  }
}
