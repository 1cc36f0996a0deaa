import type { Logger } from "pino";
import { WorkspaceError } from "../../errors/workspace-errors";
import type { PortalDb } from "../../store/schema";
import { CapacityError, type Place } from "../start-gate";
import type { StartLine } from "../start-line";
import type { LineRow } from "./line-decision";
import { LineSession } from "./line-session";
import { decideShared, waitingShared } from "./start-line-table";

interface Entry {
  sub: string;
  /** The place's row; null when it could not be taken (the database is unreachable). */
  id: Promise<number | null>;
  waiter: { onPosition: (position: number) => void; grant: () => void; fail: (error: Error) => void } | null;
  position: number;
  /** Granted, dropped or left: nothing more happens to it. */
  done: boolean;
}

export interface SharedLineOptions {
  cap: number;
  maxWaitMs: number;
  /** Subjects whose workspaces run now, from the engine. */
  running: () => Promise<string[]>;
  db: PortalDb;
  url: string;
  log: Logger;
  /** The safety net under LISTEN/NOTIFY: how often a process with waiters asks for a decision itself. */
  pollMs?: number;
  /** How long the places of a process whose connection is gone are kept for it to come back. */
  orphanGraceMs?: number;
}

/**
 * StartGate's line kept in PostgreSQL, so the cap and its order hold across every portal process on the database.
 * A place is a row (numbered by a sequence, in the order asked); whichever process sees a reason (a start let
 * through finished, a workspace stopped, a waiter got ready) makes the next decision for everyone's places; each
 * process hears of it by NOTIFY and tells its own waiters their place or lets them go.
 */
export class SharedStartLine implements StartLine {
  readonly cap: number;
  private readonly entries = new Map<number, Entry>();
  private session!: LineSession;
  private lastWaiting: string[] = [];
  private deciding: Promise<void> = Promise.resolve();
  private kickQueued = false;
  private refreshing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly options: SharedLineOptions) {
    this.cap = options.cap;
  }

  static async open(options: SharedLineOptions): Promise<SharedStartLine> {
    const line = new SharedStartLine(options);
    line.session = await LineSession.open(
      options.url,
      { onDecision: () => line.refresh(), onReconnect: () => line.reconnected() },
      options.log,
    );
    return line;
  }

  get waiting(): number {
    return this.lastWaiting.length;
  }

  waitingSubs(): Promise<string[]> {
    return waitingShared(this.options.db);
  }

  enter(sub: string): Place {
    if (this.cap <= 0) return { wait: async () => () => {}, leave: () => {} };
    const id = this.session
      .query<{ id: number }>("INSERT INTO start_line (sub, holder) VALUES ($1, $2) RETURNING id", [sub, this.session.holder])
      .then((r) => r.rows[0]!.id)
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, "could not take a place in the start queue");
        return null;
      });
    const entry: Entry = { sub, id, waiter: null, position: 0, done: false };
    void id.then((at) => at !== null && !entry.done && this.entries.set(at, entry));
    return {
      wait: (onPosition, signal) => this.wait(entry, onPosition, signal),
      leave: () => void this.leave(entry),
    };
  }

  kick(): void {
    // As in StartGate: kicks while a decision waits its turn are one decision.
    if (this.kickQueued) return;
    this.kickQueued = true;
    this.deciding = this.deciding
      .then(async () => {
        this.kickQueued = false;
        this.lastWaiting = (await decideShared(this.options.db, this.cap, this.options.running, this.options.orphanGraceMs ?? 10_000)).waiting;
      })
      .catch((error: unknown) => this.options.log.warn({ err: error }, "the start queue could not decide"));
  }

  async close(): Promise<void> {
    this.idle();
    await this.session.close();
  }

  private async wait(entry: Entry, onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    const id = await entry.id;
    if (id === null) throw new WorkspaceError("runtime_error", "The start queue cannot be reached now, so your workspace could not start. Try again in a moment.");
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const timeout = setTimeout(() => void this.drop(entry, new CapacityError(this.cap, (Date.now() - started) / 1000)), this.options.maxWaitMs);
      const onAbort = () => void this.drop(entry, new WorkspaceError("runtime_error", "The start was cancelled."));
      const cleanup = () => {
        clearTimeout(timeout);
        signal?.removeEventListener("abort", onAbort);
      };
      entry.waiter = {
        onPosition,
        grant: () => (cleanup(), resolve()),
        fail: (error) => (cleanup(), reject(error)),
      };
      signal?.addEventListener("abort", onAbort);
      if (entry.done) return entry.waiter.fail(new WorkspaceError("runtime_error", "The start was cancelled."));
      // Placed in line by an earlier decision while it was still getting ready: say so before the next one.
      if (entry.position > 0) onPosition(entry.position);
      this.poll();
      void this.markReady(id);
    });
    return () => void this.removeRow(id).then(() => this.kick());
  }

  private async markReady(id: number): Promise<void> {
    await this.session.query("UPDATE start_line SET ready = 1 WHERE id = $1", [id]).catch(() => undefined);
    this.kick();
  }

  /** Gives the place up; a freed place may let a waiter (of any process) go, so a decision follows if one waits. */
  private async leave(entry: Entry): Promise<void> {
    if (entry.done) return;
    entry.done = true;
    const id = await entry.id;
    if (id === null) return;
    this.entries.delete(id);
    const { rows } = await this.session
      .query<{ waiters: boolean }>(
        "WITH gone AS (DELETE FROM start_line WHERE id = $1) SELECT EXISTS (SELECT 1 FROM start_line WHERE state = 'waiting' AND ready = 1 AND id <> $1) AS waiters",
        [id],
      )
      .catch(() => ({ rows: [{ waiters: true }] }));
    if (rows[0]?.waiters) this.kick();
  }

  private async drop(entry: Entry, error: Error): Promise<void> {
    if (entry.done) return;
    entry.done = true;
    entry.waiter?.fail(error);
    this.settled();
    const id = await entry.id;
    if (id === null) return;
    this.entries.delete(id);
    await this.removeRow(id);
    this.kick();
  }

  private removeRow(id: number): Promise<unknown> {
    return this.session.query("DELETE FROM start_line WHERE id = $1", [id]).catch(() => undefined);
  }

  /** After a decision anywhere: what it means for this process's places. One read at a time, in order. */
  private refresh(): void {
    this.refreshing = this.refreshing.then(() => this.readOwn()).catch((error: unknown) => this.options.log.warn({ err: error }, "could not read the start queue"));
  }

  private async readOwn(): Promise<void> {
    if (this.entries.size === 0) return;
    const { rows } = await this.session.query<Pick<LineRow, "id" | "state" | "position">>(
      "SELECT id, state, position FROM start_line WHERE holder = $1",
      [this.session.holder],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const [id, entry] of this.entries) {
      const row = byId.get(id);
      if (entry.done) continue;
      if (!row) {
        // Dropped as a dead process's place while this process's connection was down.
        if (entry.waiter) void this.drop(entry, new WorkspaceError("runtime_error", "The start queue lost your place while its database was unreachable. Try again."));
        continue;
      }
      if (row.state !== "waiting" && entry.waiter) {
        entry.done = true;
        this.entries.delete(id);
        // "go" needed no slot, so its row reserves nothing; a "granted" row is the slot, kept until the start ends.
        if (row.state === "go") void this.removeRow(id);
        entry.waiter.grant();
        continue;
      }
      if (row.position !== entry.position) {
        entry.position = row.position;
        if (row.position > 0) entry.waiter?.onPosition(row.position);
      }
    }
    this.settled();
  }

  /**
   * The connection was replaced: a `ready` mark sent while it was down was lost, and a decision's NOTIFY may have
   * been; mark the waiters again (each mark asks for a decision) and read what holds now.
   */
  private reconnected(): void {
    for (const [id, entry] of this.entries) if (entry.waiter && !entry.done) void this.markReady(id);
    this.refresh();
    this.kick();
  }

  private settled(): void {
    if (![...this.entries.values()].some((e) => e.waiter && !e.done)) this.idle();
  }

  // While this process has waiters, it asks for a decision now and then itself: a NOTIFY can be missed while a
  // connection is replaced, and workspaces also stop behind the portal's back (OOM, docker stop).
  private poll(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 2000);
    this.timer.unref();
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
