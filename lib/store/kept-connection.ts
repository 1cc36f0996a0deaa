import type pg from "pg";
import type { Logger } from "pino";
import { pgClient } from "./pg-connections";

export interface KeptConnectionSetUp {
  /** Prepares a new connection before it is used (LISTEN, a session lock, handlers); a failure discards it. */
  setUp(client: pg.Client): Promise<void>;
  /** The connection is in use; `again` when it replaced a lost one (news may have been missed meanwhile). */
  ready?(again: boolean): Promise<void> | void;
}

/**
 * A connection of its own to the shared database, kept for as long as the process wants it: when the server drops
 * it (a restart, a failover, a cut) a new one replaces it, tried with a growing pause until `close`, and is set up
 * again, so what lives only as long as a session (LISTENs, advisory locks) comes back with it.
 */
export class KeptConnection {
  private current!: pg.Client;
  private closing = false;

  private constructor(
    private readonly url: string,
    private readonly what: string,
    private readonly log: Logger,
    private readonly hooks: KeptConnectionSetUp,
  ) {}

  /** The first connection, set up and ready; its failure is the caller's (nothing is retried before it is kept). */
  static async open(url: string, what: string, log: Logger, hooks: KeptConnectionSetUp): Promise<KeptConnection> {
    const kept = new KeptConnection(url, what, log, hooks);
    await kept.connect(false);
    return kept;
  }

  /** The connection in use now (queries sent on it keep their order). */
  get client(): pg.Client {
    return this.current;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.current?.end().catch(() => undefined);
  }

  private async connect(again: boolean): Promise<void> {
    const client = pgClient(this.url);
    client.on("error", () => undefined); // followed by "end", where the connection is replaced
    try {
      await client.connect();
      await this.hooks.setUp(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    client.once("end", () => void this.replace());
    this.current = client;
    try {
      await this.hooks.ready?.(again);
    } catch (error) {
      // Lost again already, most likely: its "end" brings the next one, which is ready in turn.
      this.log.warn({ err: error }, `${this.what} failed right after it was replaced`);
    }
  }

  private async replace(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      if (this.closing) return;
      try {
        await this.connect(true);
        return;
      } catch (error) {
        this.log.warn({ err: error, attempt }, `${this.what} is down; trying again`);
      }
    }
  }
}
