import type { Logger } from "pino";
import type { DedicatedSession } from "../store/store";

/** Any number, the same in every portal process (and unlike the migration lock): held by the leader alone. */
const LEADER_LOCK = 0x5c17ead;

/** Work exactly one process of a portal does: the idle stop, the disk scan, the clean-ups. */
export interface LeaderTask {
  start(): void;
  stop(): void;
}

export interface Leadership {
  /** True while this process runs the leader's tasks. */
  readonly leading: boolean;
  start(): void;
  stop(): Promise<void>;
}

/** One process with its own database (SQLite): it leads from its start to its end. */
export class SoleLeadership implements Leadership {
  leading = false;

  constructor(
    private readonly tasks: LeaderTask[],
    private readonly onChange: (leading: boolean) => void = () => undefined,
  ) {}

  start(): void {
    if (this.leading) return;
    this.leading = true;
    for (const task of this.tasks) task.start();
    this.onChange(true);
  }

  async stop(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    for (const task of this.tasks) task.stop();
    this.onChange(false);
  }
}

export interface SharedLeadershipOptions {
  /** A connection of this process's own (PortalStore.openSession), named so the others can see it is alive. */
  openSession: () => Promise<DedicatedSession>;
  tasks: LeaderTask[];
  log: Logger;
  /** How often a process that does not lead tries again (and reconnects a lost session). */
  retryMs?: number;
  /** Told each change: true when this process took the lead, false when it lost it. */
  onChange?: (leading: boolean) => void;
}

/**
 * Several processes on one PostgreSQL: the leader is whoever holds a session-level advisory lock on a connection of
 * its own. The others try again every few seconds; when the leader dies its connection closes, the server lets the
 * lock go, and the next try takes it. A leader whose connection breaks stops its tasks at once, before another can
 * start them, so two never run them together for longer than the server takes to notice the break.
 */
export class SharedLeadership implements Leadership {
  leading = false;
  private session: DedicatedSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private trying = false;
  private stopped = false;
  private lastProblem = "";
  private opening: Promise<DedicatedSession> | null = null;

  constructor(private readonly options: SharedLeadershipOptions) {}

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    void this.attempt();
    this.timer = setInterval(() => void this.attempt(), this.options.retryMs ?? 3_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.lose("this process is stopping");
    const session = this.session;
    this.session = null;
    // Closing the connection lets the lock go at once: the next process need not wait for a timeout.
    await session?.close();
  }

  /** This process's own session, opened if it has none: by it the others see this process alive. */
  async connect(): Promise<DedicatedSession> {
    if (this.session) return this.session;
    this.opening ??= this.options
      .openSession()
      .then((session) => {
        this.session = session;
        session.onEnd(() => {
          if (this.session !== session) return;
          this.session = null;
          this.lose("its database connection ended");
        });
        return session;
      })
      .finally(() => (this.opening = null));
    return this.opening;
  }

  /** Opens the session if it has none, then tries for the lock unless it holds it. */
  async attempt(): Promise<void> {
    if (this.trying || this.stopped) return;
    this.trying = true;
    try {
      const session = await this.connect();
      // Stopped while the connection was being made: it must not stay open, nor the process seem alive by it.
      if (this.stopped) return void (await session.close());
      // The leader asks nothing of its connection otherwise: this finds a broken one (and so ends its lead) soon.
      if (this.leading) return void (await session.query("SELECT 1"));
      const [row] = await session.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1) AS got", [LEADER_LOCK]);
      if (row?.got && !this.stopped) this.lead();
      this.lastProblem = "";
    } catch (error) {
      const problem = (error as Error).message;
      // Said once per kind of trouble, not every few seconds while the database is away.
      if (problem !== this.lastProblem) this.options.log.warn({ err: error }, "could not try for the lead; trying again");
      this.lastProblem = problem;
    } finally {
      this.trying = false;
    }
  }

  private lead(): void {
    this.leading = true;
    this.options.log.info("this process leads: it runs the idle stop, the disk scan and the clean-ups");
    for (const task of this.options.tasks) task.start();
    this.options.onChange?.(true);
  }

  private lose(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    for (const task of this.options.tasks) task.stop();
    this.options.log.warn({ why }, "this process no longer leads");
    this.options.onChange?.(false);
  }
}
