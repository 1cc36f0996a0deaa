import type { PortalDb } from "../store/schema";

/**
 * When each account last signed in at the provider: at the sign-in itself, or learnt from a session cookie (whose
 * sign-in time only the portal can have written). Asked by doors that act without a sign-in in hand (SSH keys), so
 * kept in memory and written through only when it moves forward.
 */
export class SignIns {
  private readonly known = new Map<string, number | null>();

  constructor(private readonly db: PortalDb) {}

  /** The newest sign-in (ms), or null when the portal has seen none (an account from before it kept them). */
  async last(sub: string): Promise<number | null> {
    let at = this.known.get(sub);
    if (at === undefined) {
      const row = await this.db.selectFrom("sign_ins").select("at_ms").where("sub", "=", sub).executeTakeFirst();
      at = row?.at_ms ?? null;
      this.remember(sub, at);
    }
    return at;
  }

  /** A sign-in at `at` (ms); an older one than already known changes nothing. */
  async record(sub: string, at: number): Promise<void> {
    const known = await this.last(sub);
    if (known !== null && known >= at) return;
    const atMs = Math.floor(at);
    await this.db
      .insertInto("sign_ins")
      .values({ sub, at_ms: atMs })
      .onConflict((oc) => oc.column("sub").doUpdateSet({ at_ms: atMs }).where("sign_ins.at_ms", "<", atMs))
      .execute();
    this.remember(sub, atMs);
  }

  private remember(sub: string, at: number | null): void {
    if (this.known.size > 50_000) this.known.clear();
    this.known.set(sub, at);
  }
}
