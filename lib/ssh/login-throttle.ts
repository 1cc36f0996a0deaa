import { FailureLimiter } from "./rate-limit";

export interface ThrottleOptions {
  /** Failures of one (address, username) answered at once, before the delay starts growing. */
  freePerPair: number;
  maxDelayMs: number;
  /** Failures from one address within the window before it is refused outright. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { freePerPair: 5, maxDelayMs: 8000, perAddress: 100, windowMs: 10 * 60_000 };

/**
 * When an SSH login may be tried, judged so that nobody can lock another person out:
 * - failures slow down only the (address, username) pair that made them, with a delay that grows per failure and
 *   is paid on the failure's answer, so a right key is never held back by somebody else's wrong ones;
 * - an address is refused outright only past a limit no lab behind one NAT reaches by honest mistakes.
 * A client merely asking whether a key would do is not a failure: OpenSSH asks about every key in the agent.
 */
export class LoginThrottle {
  private readonly failures: FailureLimiter;

  constructor(
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    now: () => number = Date.now,
  ) {
    this.failures = new FailureLimiter(options.perAddress, options.windowMs, now);
  }

  /** True when this address has failed so often that it is refused without a check. */
  addressBlocked(ip: string): boolean {
    return this.failures.blocked(`ip:${ip}`);
  }

  /** How long this address stays refused (0: it is not). */
  addressBlockedForMs(ip: string): number {
    return this.failures.blockedForMs(`ip:${ip}`);
  }

  /** Counts a failure; returns how long to wait before answering it. */
  fail(ip: string, username: string): number {
    const pair = `pair:${ip}\u0000${username}`;
    this.failures.fail(`ip:${ip}`, pair);
    const over = this.failures.count(pair) - this.options.freePerPair;
    return over <= 0 ? 0 : Math.min(this.options.maxDelayMs, 250 * 2 ** (over - 1));
  }
}
