import type { PortalDatabase } from "../store/db";

/**
 * When each account last signed in at the provider: at the sign-in itself, or learnt from a session cookie (whose
 * sign-in time only the portal can have written). Asked by doors that act without a sign-in in hand (SSH keys), so
 * kept in memory and written through only when it moves forward.
 */
export class SignIns {
  private readonly known = new Map<string, number | null>();
  private readonly stmts;

  constructor(db: PortalDatabase) {
    this.stmts = {
      get: db.prepare("SELECT at_ms FROM sign_ins WHERE sub = ?"),
      record: db.prepare(
        "INSERT INTO sign_ins (sub, at_ms) VALUES (?, ?) ON CONFLICT(sub) DO UPDATE SET at_ms = excluded.at_ms WHERE excluded.at_ms > sign_ins.at_ms",
      ),
    };
  }

  /** The newest sign-in (ms), or null when the portal has seen none (an account from before it kept them). */
  last(sub: string): number | null {
    let at = this.known.get(sub);
    if (at === undefined) {
      const row = this.stmts.get.get(sub) as { at_ms: number } | undefined;
      at = row?.at_ms ?? null;
      this.remember(sub, at);
    }
    return at;
  }

  /** A sign-in at `at` (ms); an older one than already known changes nothing. */
  record(sub: string, at: number): void {
    const known = this.last(sub);
    if (known !== null && known >= at) return;
    this.stmts.record.run(sub, Math.floor(at));
    this.remember(sub, Math.floor(at));
  }

  private remember(sub: string, at: number | null): void {
    if (this.known.size > 50_000) this.known.clear();
    this.known.set(sub, at);
  }
}
