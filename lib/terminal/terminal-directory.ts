import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { PortalDb } from "../store/schema";

/** Where an open terminal is held: the process's id and its internal address. */
export interface TerminalOwner {
  process: string;
  address: string;
}

export interface TerminalDirectoryOptions {
  /** How this process is reached by the others (http://host:port); never anything a client said. */
  address: string;
  /** How often this process says its terminals are still held. */
  heartbeatMs?: number;
  /** A row not refreshed for this long belongs to a process that is gone; swept. */
  staleMs?: number;
  now?: () => number;
}

const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * The shared list of open web terminals, where several portal processes share one database: which process holds
 * each, so a browser whose reconnect lands elsewhere is forwarded to it. Each process writes only its own rows:
 * one when a terminal opens, its removal when it ends, and one UPDATE per heartbeat for all of them (not per
 * keystroke). Writes are best effort: a terminal works whether or not its row was written, it is only not found
 * from another process then.
 */
export class TerminalDirectory {
  /** This process, for this run: a restarted process holds none of its predecessor's terminals. */
  readonly processId = randomBytes(9).toString("base64url");
  private timer: NodeJS.Timeout | null = null;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: PortalDb,
    private readonly options: TerminalDirectoryOptions,
    private readonly log: Logger,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.staleMs = options.staleMs ?? this.heartbeatMs * 8;
    this.now = options.now ?? Date.now;
  }

  get address(): string {
    return this.options.address;
  }

  async opened(sub: string, id: string): Promise<void> {
    const at = this.now();
    await this.db
      .insertInto("open_terminals")
      .values({ id, sub, owner: this.processId, owner_address: this.options.address, created_at_ms: at, seen_at_ms: at })
      .execute()
      .catch((error: unknown) => this.log.warn({ err: error, terminal: id }, "could not list the open terminal"));
  }

  async closed(id: string): Promise<void> {
    await this.db
      .deleteFrom("open_terminals")
      .where("id", "=", id)
      .where("owner", "=", this.processId)
      .execute()
      .catch((error: unknown) => this.log.warn({ err: error, terminal: id }, "could not unlist the ended terminal"));
  }

  /** The process holding the user's terminal `id`, if another one lists it (a guessed id of another user finds nothing). */
  async ownerOf(sub: string, id: string): Promise<TerminalOwner | null> {
    const row = await this.db
      .selectFrom("open_terminals")
      .select(["owner", "owner_address"])
      .where("id", "=", id)
      .where("sub", "=", sub)
      .executeTakeFirst();
    if (!row || row.owner === this.processId) return null;
    return { process: row.owner, address: row.owner_address };
  }

  /** Unlists a terminal whose holder could not be reached: it is gone with its process. */
  async forgetGone(id: string, owner: string): Promise<void> {
    await this.db.deleteFrom("open_terminals").where("id", "=", id).where("owner", "=", owner).execute().catch(() => undefined);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Refreshes this process's rows and sweeps those of processes silent for long (killed, cut off). */
  async beat(): Promise<void> {
    const at = this.now();
    try {
      await this.db.updateTable("open_terminals").set({ seen_at_ms: at }).where("owner", "=", this.processId).execute();
      await this.db.deleteFrom("open_terminals").where("seen_at_ms", "<", at - this.staleMs).execute();
    } catch (error) {
      this.log.warn({ err: error }, "could not refresh the list of open terminals");
    }
  }

  /** Stops the heartbeat and unlists this process's terminals (a clean stop: its shells end with it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.db.deleteFrom("open_terminals").where("owner", "=", this.processId).execute().catch(() => undefined);
  }
}
