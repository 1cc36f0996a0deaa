import type { PortalDb } from "../store/schema";
import { newApprovalRequest, type ApprovalRequest, type Approvals, type Outcome, type WaitingLogin } from "./approvals";

interface Waiter {
  settle(outcome: Outcome, approverSub?: string): void;
  timer: NodeJS.Timeout;
}

const OUTCOMES = new Set<string>(["approved", "denied", "expired"]);

/**
 * Browser approvals kept in the database several portal processes share: the login may wait on one process while
 * the user's browser approves through another. The row is the one truth: whoever first sets its outcome (the
 * approval, a denial, the expiry or the client leaving) settles it, and the waiting process consumes the row, so an
 * approval is used once. The waiting process learns of a decision taken elsewhere by asking about its own waiting
 * rows every `pollMs` (one query per process, only while some login waits); one taken here settles at once.
 */
export class SharedApprovals implements Approvals {
  private readonly waiters = new Map<string, Waiter>();
  private poller: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly db: PortalDb,
    private readonly ttlMs = 5 * 60_000,
    private readonly pollMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  async waiting(username: string, clientAddress: string): Promise<{ forNameFromAddress: number; fromAddress: number; total: number }> {
    const rows = await this.db
      .selectFrom("ssh_approvals")
      .select(["username", "client_address"])
      .where("outcome", "is", null)
      .where("expires_at_ms", ">", this.now())
      .execute();
    let forNameFromAddress = 0;
    let fromAddress = 0;
    for (const row of rows) {
      if (row.client_address !== clientAddress) continue;
      fromAddress += 1;
      if (row.username === username) forNameFromAddress += 1;
    }
    return { forNameFromAddress, fromAddress, total: rows.length };
  }

  async create(username: string, clientAddress: string, clientSoftware: string): Promise<WaitingLogin> {
    const request = newApprovalRequest(username, clientAddress, clientSoftware, this.ttlMs, this.now());
    await this.db
      .insertInto("ssh_approvals")
      .values({
        id: request.id,
        code: request.code,
        username,
        client_address: clientAddress,
        client_software: request.clientSoftware,
        created_at_ms: request.createdAt.getTime(),
        expires_at_ms: request.expiresAt.getTime(),
        outcome: null,
        approver_sub: null,
      })
      .execute();
    const result = new Promise<{ outcome: Outcome; approverSub?: string }>((resolve) => {
      const timer = setTimeout(() => this.cancel(request.id), this.ttlMs);
      timer.unref();
      this.waiters.set(request.id, {
        timer,
        settle: (outcome, approverSub) => {
          clearTimeout(timer);
          this.waiters.delete(request.id);
          resolve({ outcome, ...(approverSub ? { approverSub } : {}) });
        },
      });
    });
    this.startPolling();
    return { request, result };
  }

  async get(id: string, username: string): Promise<ApprovalRequest | undefined> {
    const row = await this.db
      .selectFrom("ssh_approvals")
      .selectAll()
      .where("id", "=", id)
      .where("username", "=", username)
      .where("outcome", "is", null)
      .where("expires_at_ms", ">", this.now())
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      code: row.code,
      username: row.username,
      clientAddress: row.client_address,
      clientSoftware: row.client_software,
      createdAt: new Date(row.created_at_ms),
      expiresAt: new Date(row.expires_at_ms),
    };
  }

  async decide(id: string, user: { sub: string; username: string }, approve: boolean): Promise<boolean> {
    const settled = await this.db
      .updateTable("ssh_approvals")
      .set({ outcome: approve ? "approved" : "denied", approver_sub: user.sub })
      .where("id", "=", id)
      .where("username", "=", user.username)
      .where("outcome", "is", null)
      .where("expires_at_ms", ">", this.now())
      .executeTakeFirst();
    if (Number(settled.numUpdatedRows) !== 1) return false;
    if (this.waiters.has(id)) await this.collect([id]);
    return true;
  }

  /** The client left, or the request lapsed: settled as expired unless a decision got there first. */
  cancel(id: string): void {
    void this.db
      .updateTable("ssh_approvals")
      .set({ outcome: "expired" })
      .where("id", "=", id)
      .where("outcome", "is", null)
      .execute()
      .then(
        () => this.collect([id]),
        // The database is out of reach: the login here ends all the same (its row lapses by its expiry).
        () => this.waiters.get(id)?.settle("expired"),
      )
      .catch(() => this.waiters.get(id)?.settle("expired"));
  }

  /** Drops rows long past their expiry (their process died waiting): the leader's clean-up. */
  async sweep(): Promise<void> {
    await this.db.deleteFrom("ssh_approvals").where("expires_at_ms", "<", this.now() - 60_000).execute();
  }

  /** Settles the waiting logins among `ids` whose rows are settled, and consumes those rows. */
  private async collect(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const settled = await this.db
      .selectFrom("ssh_approvals")
      .select(["id", "outcome", "approver_sub"])
      .where("id", "in", ids)
      .where("outcome", "is not", null)
      .execute();
    if (settled.length === 0) return;
    await this.db
      .deleteFrom("ssh_approvals")
      .where(
        "id",
        "in",
        settled.map((row) => row.id),
      )
      .execute();
    for (const row of settled) {
      const outcome = OUTCOMES.has(row.outcome ?? "") ? (row.outcome as Outcome) : "expired";
      this.waiters.get(row.id)?.settle(outcome, row.approver_sub ?? undefined);
    }
  }

  private startPolling(): void {
    if (this.poller) return;
    this.poller = setInterval(() => {
      if (this.waiters.size === 0) {
        clearInterval(this.poller!);
        this.poller = null;
        return;
      }
      if (this.polling) return;
      this.polling = true;
      this.collect([...this.waiters.keys()])
        .catch(() => undefined) // the database briefly away: asked again next time
        .finally(() => (this.polling = false));
    }, this.pollMs);
    this.poller.unref();
  }

  /** Stops asking (the process is closing); logins still waiting here end with it. */
  stop(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }
}
