import { randomInt } from "node:crypto";
import type pg from "pg";
import type { Logger } from "pino";
import { pgClient } from "../../store/pg-connections";
import { LOCK_SPACE } from "./lock-keys";
import { LINE_CHANNEL } from "./start-line-table";

export interface SessionEvents {
  /** A decision was made (by any process): read this process's places again. */
  onDecision(): void;
  /** A new connection replaced a lost one: places still held were moved to it; say again what waits. */
  onReconnect(): void;
}

/**
 * This process's own connection for the shared line. It holds an advisory lock for its whole life whose key names
 * the process's places (`holder`): when the process dies the connection and the lock go, and the next decision drops
 * its places. It LISTENs for decisions. One connection sends its queries in call order, so places are numbered in
 * the order this process's users asked.
 */
export class LineSession {
  private client!: pg.Client;
  holder = "";
  private closing = false;

  private constructor(
    private readonly url: string,
    private readonly events: SessionEvents,
    private readonly log: Logger,
  ) {}

  static async open(url: string, events: SessionEvents, log: Logger): Promise<LineSession> {
    const session = new LineSession(url, events, log);
    await session.connect();
    return session;
  }

  query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(text, values);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = pgClient(this.url);
    client.on("error", () => undefined); // followed by "end", where the connection is replaced
    let key: number;
    try {
      await client.connect();
      // The key of the lost connection first (its places keep their holder), else one no live process holds:
      // pg_try_advisory_lock refuses one that is taken.
      key = Number(this.holder) || randomInt(1, 0x7fffffff);
      while (!(await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_SPACE.lineHolder, key])).rows[0]!.ok) {
        key = randomInt(1, 0x7fffffff);
      }
      await client.query(`LISTEN ${LINE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.on("notification", () => this.events.onDecision());
    client.once("end", () => void this.replace());
    const previous = this.holder;
    this.client = client;
    this.holder = String(key);
    if (previous) {
      // Places not yet dropped by a decision keep their order; the others are gone (their waiters hear so).
      if (previous !== this.holder) await client.query("UPDATE start_line SET holder = $1 WHERE holder = $2", [this.holder, previous]);
      this.events.onReconnect();
    }
  }

  private async replace(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      if (this.closing) return;
      try {
        await this.connect();
        return;
      } catch (error) {
        this.log.warn({ err: error, attempt }, "the start queue's database connection is down; trying again");
      }
    }
  }
}
