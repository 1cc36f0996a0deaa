import type { Logger } from "pino";
import type { WorkspaceBackend } from "../backend/backend";
import type { WorkspaceManager } from "../workspace/manager";
import { runningAt } from "../workspace/status";
import type { WorkspaceStatus } from "../workspace/types";
import type { ActivityTracker } from "./activity-tracker";
import type { IdleExtensions } from "./idle-extensions";
import { userProcesses } from "./user-processes";

export interface IdlePolicy {
  /** 0: never stop for idleness. */
  timeoutMs: number;
  /** CPU use, in percent of one core between two sweeps, that counts as use; 0: CPU never counts. */
  busyCpuPercent: number;
  /** How far ahead of now "+1 h" may push the stop; 0: no extensions. */
  extendMaxMs: number;
}

export const EXTEND_STEP_MS = 3600_000;

/**
 * Stops (never removes) workspaces nobody has used for the idle timeout, through any door. A workspace counts
 * as used when it started, when the portal itself started, and while its processes keep a CPU busy (measured
 * from the engine's cgroup figures, not from inside): a silent `nohup python simulate.py &` is work, not idleness.
 * Users may push the stop further out, within what the operator allows; that is kept in the database, so a restart
 * never brings a stop forward.
 */
export class IdleReaper {
  private timer: NodeJS.Timeout | null = null;
  private readonly since: number;
  private sweeping = false;
  private readonly cpu = new Map<string, { at: number; seconds: number }>();

  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly backend: Pick<WorkspaceBackend, "usage" | "processes">,
    private readonly activity: ActivityTracker,
    private readonly extensions: IdleExtensions,
    private readonly policy: IdlePolicy,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  get timeoutMs(): number {
    return this.policy.timeoutMs;
  }

  /** When this user's workspace will be stopped if nobody uses it before then. */
  async deadline(sub: string, startedAt: Date | undefined): Promise<Date | null> {
    if (this.policy.timeoutMs <= 0) return null;
    // Shown, not acted on: what this process saw is enough when the others cannot be asked.
    await this.activity.pull().catch(() => undefined);
    const last = Math.max(this.activity.lastActivity(sub)?.at ?? 0, startedAt?.getTime() ?? 0, this.since);
    const extended = (await this.extensions.until(sub, startedAt, this.policy.extendMaxMs)) ?? 0;
    return new Date(Math.max(last + this.policy.timeoutMs, extended));
  }

  /** "+1 h": the stop moves an hour later, never further than the operator's limit from now. Null: not allowed. */
  async extend(sub: string, startedAt: Date | undefined): Promise<Date | null> {
    const current = await this.deadline(sub, startedAt);
    if (!current || this.policy.extendMaxMs <= 0) return null;
    const until = Math.min(current.getTime() + EXTEND_STEP_MS, this.now() + this.policy.extendMaxMs);
    if (until > current.getTime()) await this.extensions.set(sub, startedAt, until);
    return this.deadline(sub, startedAt);
  }

  /** Would "+1 h" move this deadline at all? */
  canExtend(deadline: Date): boolean {
    return this.policy.extendMaxMs > 0 && deadline.getTime() < this.now() + this.policy.extendMaxMs - 60_000;
  }

  start(): void {
    if (this.policy.timeoutMs <= 0 || this.timer) return;
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.policy.timeoutMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass: counts busy CPUs as use, then stops every running workspace past its deadline; returns their usernames. */
  async sweep(): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    const stopped: string[] = [];
    try {
      // Uses seen by other portal processes (several share the database): without them, no workspace is stopped.
      await this.activity.pull();
      const running = (await this.workspaces.list()).filter((ws) => ws.state === "running" && ws.sub);
      for (const sub of this.cpu.keys()) if (!running.some((ws) => ws.sub === sub)) this.cpu.delete(sub);
      for (const ws of running) {
        await this.noteCpu(ws);
        const deadline = await this.deadline(ws.sub, ws.startedAt);
        if (!deadline || deadline.getTime() > this.now()) continue;
        try {
          const where = runningAt(ws);
          const processes = where ? await this.backend.processes(where).then((p) => userProcesses(p).length, () => undefined) : undefined;
          const idleMs = this.now() - (this.activity.lastActivity(ws.sub)?.at ?? ws.startedAt?.getTime() ?? this.since);
          await this.workspaces.stop({ sub: ws.sub, username: ws.username }, "idle", { ...(processes !== undefined ? { processes } : {}), idleMs });
          await this.forget(ws.sub);
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

  private async noteCpu(ws: WorkspaceStatus): Promise<void> {
    const where = runningAt(ws);
    if (this.policy.busyCpuPercent <= 0 || !where) return;
    const seconds = await this.backend.usage(where).then((u) => u.cpuSeconds, () => null);
    if (seconds === null) return;
    const at = this.now();
    const before = this.cpu.get(ws.sub);
    this.cpu.set(ws.sub, { at, seconds });
    if (!before || at <= before.at || seconds < before.seconds) return; // first reading, or a restarted container
    const percent = ((seconds - before.seconds) / ((at - before.at) / 1000)) * 100;
    if (percent >= this.policy.busyCpuPercent) this.activity.touch(ws.sub, "cpu");
  }

  private async forget(sub: string): Promise<void> {
    this.activity.forget(sub);
    this.cpu.delete(sub);
    await this.extensions.forget(sub);
  }
}
