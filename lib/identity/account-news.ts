import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Logger } from "pino";
import { sql } from "kysely";
import { z } from "zod";
import { pgClient } from "../store/pg-connections";
import type { PortalDb } from "../store/schema";
import { SHUT_OUT_REASONS, type AccountNews, type ShutOutReason } from "./account-status";

const CHANNEL = "scitex_accounts";

/** How long a process believes what it read of an account where processes share the database (news can be lost). */
export const ACCOUNT_RECHECK_MS = 30_000;

const Payload = z.object({ from: z.string(), sub: z.string().min(1).max(255), shutOut: z.enum(SHUT_OUT_REASONS).nullable() });

/**
 * Account changes told across the portal's processes (PostgreSQL NOTIFY on a connection of its own): an account
 * disabled on one process is refused, and what it has open is closed, on every other one too, not only where the
 * admin clicked. A process that lost the connection may have missed news: it hears `{ all: true }` once it is
 * back, and forgets every account it remembered.
 */
export class SharedAccountNews {
  private readonly id = randomBytes(8).toString("hex");
  private client: pg.Client | null = null;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly db: PortalDb,
    private readonly log: Logger,
  ) {}

  /** Listens until `close`, telling `onNews` what other processes announce (never this one's own news). */
  async start(onNews: (news: AccountNews) => void): Promise<void> {
    await this.connect(onNews, false);
  }

  /** Tells the other processes (after the change is written: they read it again from the database). */
  async announce(sub: string, shutOut: ShutOutReason | null): Promise<void> {
    const payload = JSON.stringify({ from: this.id, sub, shutOut });
    await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(onNews: (news: AccountNews) => void, again: boolean): Promise<void> {
    const client = pgClient(this.url);
    client.on("error", () => undefined); // followed by "end", where the connection is replaced
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.on("notification", (message) => {
      const parsed = Payload.safeParse(safeJson(message.payload));
      if (!parsed.success || parsed.data.from === this.id) return;
      onNews({ sub: parsed.data.sub, shutOut: parsed.data.shutOut });
    });
    client.once("end", () => void this.replace(onNews));
    this.client = client;
    if (again) onNews({ all: true });
  }

  private async replace(onNews: (news: AccountNews) => void): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      if (this.closing) return;
      try {
        await this.connect(onNews, true);
        return;
      } catch (error) {
        this.log.warn({ err: error, attempt }, "the connection for account news is down; trying again");
      }
    }
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    return null;
  }
}
