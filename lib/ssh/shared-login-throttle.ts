import type { PortalDb } from "../store/schema";
import { addressKey, DEFAULT_THROTTLE, delayAfter, type Throttle, type ThrottleOptions } from "./login-throttle";

// PostgreSQL's text holds no NUL, which this process's key puts between address and name: JSON instead.
const pairKey = (ip: string, username: string) => `pair:${JSON.stringify([ip, username])}`;

/**
 * LoginThrottle's rules, counted in the database several portal processes share: an attacker who spreads attempts
 * over the processes (a load balancer's round robin) is counted once, as one process would. Each failure is a row
 * (one for its address, one for its pair); rows older than the window count for nothing and are dropped by the
 * leader's clean-up, so the table holds at most one window's failures.
 */
export class SharedLoginThrottle implements Throttle {
  constructor(
    private readonly db: PortalDb,
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  async addressBlocked(ip: string): Promise<boolean> {
    return (await this.addressBlockedForMs(ip)) > 0;
  }

  async addressBlockedForMs(ip: string): Promise<number> {
    const now = this.now();
    // The limit-th newest failure in the window: the address is free again once it ages out.
    const rows = await this.db
      .selectFrom("login_failures")
      .select("at_ms")
      .where("key", "=", addressKey(ip))
      .where("at_ms", ">", now - this.options.windowMs)
      .orderBy("at_ms", "desc")
      .limit(this.options.perAddress)
      .execute();
    if (rows.length < this.options.perAddress) return 0;
    return Math.max(1, rows[rows.length - 1]!.at_ms + this.options.windowMs - now);
  }

  async fail(ip: string, username: string): Promise<number> {
    const now = this.now();
    const pair = pairKey(ip, username);
    await this.db
      .insertInto("login_failures")
      .values([
        { key: addressKey(ip), at_ms: now },
        { key: pair, at_ms: now },
      ])
      .execute();
    const row = await this.db
      .selectFrom("login_failures")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("key", "=", pair)
      .where("at_ms", ">", now - this.options.windowMs)
      .executeTakeFirst();
    return delayAfter(Number(row?.n ?? 0), this.options);
  }

  /** Drops failures past the window: the leader's clean-up. */
  async sweep(): Promise<void> {
    await this.db.deleteFrom("login_failures").where("at_ms", "<=", this.now() - this.options.windowMs).execute();
  }
}
