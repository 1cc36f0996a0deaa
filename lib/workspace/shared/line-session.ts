import { randomInt } from "node:crypto";
import type pg from "pg";
import type { Logger } from "pino";
import { KeptConnection } from "../../store/kept-connection";
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
  private connection!: KeptConnection;
  holder = "";
  private taken = "";

  private constructor(private readonly events: SessionEvents) {}

  static async open(url: string, events: SessionEvents, log: Logger): Promise<LineSession> {
    const session = new LineSession(events);
    session.connection = await KeptConnection.open(url, "the start queue's database connection", log, {
      setUp: (client) => session.takeHolder(client),
      ready: (again) => session.resume(again),
    });
    return session;
  }

  query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.connection.client.query<R>(text, values);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async takeHolder(client: pg.Client): Promise<void> {
    // The key of the lost connection first (its places keep their holder), else one no live process holds:
    // pg_try_advisory_lock refuses one that is taken.
    let key = Number(this.holder) || randomInt(1, 0x7fffffff);
    while (!(await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_SPACE.lineHolder, key])).rows[0]!.ok) {
      key = randomInt(1, 0x7fffffff);
    }
    await client.query(`LISTEN ${LINE_CHANNEL}`);
    client.on("notification", () => this.events.onDecision());
    this.taken = String(key);
  }

  private async resume(again: boolean): Promise<void> {
    const previous = this.holder;
    this.holder = this.taken;
    if (!again) return;
    // Places not yet dropped by a decision keep their order; the others are gone (their waiters hear so).
    try {
      if (previous !== this.holder) await this.query("UPDATE start_line SET holder = $1 WHERE holder = $2", [this.holder, previous]);
    } finally {
      this.events.onReconnect();
    }
  }
}
