import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { sql } from "kysely";
import { z } from "zod";
import { KeptConnection } from "../store/kept-connection";
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
  private connection: KeptConnection | null = null;

  constructor(
    private readonly url: string,
    private readonly db: PortalDb,
    private readonly log: Logger,
  ) {}

  /** Listens until `close`, telling `onNews` what other processes announce (never this one's own news). */
  async start(onNews: (news: AccountNews) => void): Promise<void> {
    this.connection = await KeptConnection.open(this.url, "the connection for account news", this.log, {
      setUp: async (client) => {
        await client.query(`LISTEN ${CHANNEL}`);
        client.on("notification", (message) => {
          const parsed = Payload.safeParse(safeJson(message.payload));
          if (!parsed.success || parsed.data.from === this.id) return;
          onNews({ sub: parsed.data.sub, shutOut: parsed.data.shutOut });
        });
      },
      ready: (again) => {
        if (again) onNews({ all: true });
      },
    });
  }

  /** Tells the other processes (after the change is written: they read it again from the database). */
  async announce(sub: string, shutOut: ShutOutReason | null): Promise<void> {
    const payload = JSON.stringify({ from: this.id, sub, shutOut });
    await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    return null;
  }
}
