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

type Outcome = "approved" | "denied" | "expired";

interface Pending {
  request: ApprovalRequest;
  settle(outcome: Outcome, approverSub?: string): void;
  result: Promise<{ outcome: Outcome; approverSub?: string }>;
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/**
 * "Approve in the browser" for SSH logins without a key: the SSH server asks for a request, shows its link, and
 * waits; the user opens the link signed in to the portal as that same user and approves. Single use, short-lived.
 */
export class ApprovalService {
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
    const id = randomBytes(18).toString("base64url");
    const code = Array.from({ length: 8 }, (_, i) => (i === 4 ? "-" : "") + CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
    const now = Date.now();
    const request: ApprovalRequest = {
      id,
      code,
      username,
      clientAddress,
      clientSoftware: clientSoftware.slice(0, 120),
      createdAt: new Date(now),
      expiresAt: new Date(now + this.ttlMs),
    };
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
