import { randomBytes, randomInt } from "node:crypto";

export interface ApprovalRequest {
  id: string;
  /** Short code shown in the terminal and on the page, so the user can tell the two belong together. */
  code: string;
  username: string;
  clientAddress: string;
  clientSoftware: string;
  createdAt: Date;
  expiresAt: Date;
}

export type Outcome = "approved" | "denied" | "expired";

/** A login waiting for its approval: what to show, and how it ends. */
export interface WaitingLogin {
  request: ApprovalRequest;
  result: Promise<{ outcome: Outcome; approverSub?: string }>;
}

type Awaitable<T> = T | Promise<T>;

/**
 * Approvals as the SSH door and the approval page use them: in this process (ApprovalService), or in the database
 * several processes share (SharedApprovals), where a login waiting on one is approved through another.
 */
export interface Approvals {
  waiting(username: string, clientAddress: string): Awaitable<{ forNameFromAddress: number; fromAddress: number; total: number }>;
  create(username: string, clientAddress: string, clientSoftware: string): Awaitable<WaitingLogin>;
  get(id: string, username: string): Awaitable<ApprovalRequest | undefined>;
  decide(id: string, user: { sub: string; username: string }, approve: boolean): Awaitable<boolean>;
  cancel(id: string): void;
}

interface Pending extends WaitingLogin {
  request: ApprovalRequest;
  settle(outcome: Outcome, approverSub?: string): void;
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/**
 * "Approve in the browser" for SSH logins without a key: the SSH server asks for a request, shows its link, and
 * waits; the user opens the link signed in to the portal as that same user and approves. Single use, short-lived.
 */
export class ApprovalService implements Approvals {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  /**
   * How many approvals wait from this address for this username, from this address in all, and in all. Counted
   * by the address that asked, never by the name alone: a name anyone may type must not let one address use up
   * another's chance to sign in as it.
   */
  waiting(username: string, clientAddress: string): { forNameFromAddress: number; fromAddress: number; total: number } {
    let forNameFromAddress = 0;
    let fromAddress = 0;
    for (const { request } of this.pending.values()) {
      if (request.clientAddress !== clientAddress) continue;
      fromAddress += 1;
      if (request.username === username) forNameFromAddress += 1;
    }
    return { forNameFromAddress, fromAddress, total: this.pending.size };
  }

  create(username: string, clientAddress: string, clientSoftware: string): Pending {
    const request = newApprovalRequest(username, clientAddress, clientSoftware, this.ttlMs);
    const id = request.id;
    let settle!: Pending["settle"];
    const result = new Promise<{ outcome: Outcome; approverSub?: string }>((resolve) => {
      settle = (outcome, approverSub) => {
        if (!this.pending.delete(id)) return;
        resolve({ outcome, ...(approverSub ? { approverSub } : {}) });
      };
    });
    const timer = setTimeout(() => settle("expired"), this.ttlMs);
    timer.unref();
    const entry: Pending = { request, result, settle: (o, s) => (clearTimeout(timer), settle(o, s)) };
    this.pending.set(id, entry);
    return entry;
  }

  /** The request a link points at, if it is still waiting and meant for this user. */
  get(id: string, username: string): ApprovalRequest | undefined {
    const entry = this.pending.get(id);
    return entry && entry.request.username === username ? entry.request : undefined;
  }

  /** Approves (or denies) a waiting request on behalf of the signed-in user it belongs to; false otherwise. */
  decide(id: string, user: { sub: string; username: string }, approve: boolean): boolean {
    const entry = this.pending.get(id);
    if (!entry || entry.request.username !== user.username) return false;
    entry.settle(approve ? "approved" : "denied", user.sub);
    return true;
  }

  cancel(id: string): void {
    this.pending.get(id)?.settle("expired");
  }
}

/** A new request: an id nobody can guess, and a short code to match the terminal with the page. */
export function newApprovalRequest(username: string, clientAddress: string, clientSoftware: string, ttlMs: number, now = Date.now()): ApprovalRequest {
  const id = randomBytes(18).toString("base64url");
  const code = Array.from({ length: 8 }, (_, i) => (i === 4 ? "-" : "") + CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
  return {
    id,
    code,
    username,
    clientAddress,
    clientSoftware: clientSoftware.slice(0, 120),
    createdAt: new Date(now),
    expiresAt: new Date(now + ttlMs),
  };
}
