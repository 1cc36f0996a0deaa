import { FailureLimiter } from "./rate-limit";

export interface ThrottleOptions {
  /** Failures of one (address, username) answered at once, before the delay starts growing. */
  freePerPair: number;
  maxDelayMs: number;
  /** Failures from one address within the window before it is refused outright. */
  perAddress: number;
  windowMs: number;
}

type Awaitable<T> = T | Promise<T>;

/** The throttle as the SSH door asks it: this process's (LoginThrottle) or the shared database's (SharedLoginThrottle). */
export interface Throttle {
  addressBlocked(ip: string): Awaitable<boolean>;
  addressBlockedForMs(ip: string): Awaitable<number>;
  fail(ip: string, username: string): Awaitable<number>;
}

/** The keys failures are counted under: one address, and one (address, username) pair. */
export const addressKey = (ip: string) => `ip:${ip}`;
export const pairKey = (ip: string, username: string) => `pair:${ip}\u0000${username}`;

/** The wait before a failure's answer, given how many the pair made within the window. */
export function delayAfter(pairFailures: number, options: ThrottleOptions): number {
  const over = pairFailures - options.freePerPair;
  return over <= 0 ? 0 : Math.min(options.maxDelayMs, 250 * 2 ** (over - 1));
}

export const DEFAULT_THROTTLE: ThrottleOptions = { freePerPair: 5, maxDelayMs: 8000, perAddress: 100, windowMs: 10 * 60_000 };

/**
 * When an SSH login may be tried, judged so that nobody can lock another person out:
 * - failures slow down only the (address, username) pair that made them, with a delay that grows per failure and
 *   is paid on the failure's answer, so a right key is never held back by somebody else's wrong ones;
 * - an address is refused outright only past a limit no lab behind one NAT reaches by honest mistakes.
 * A client merely asking whether a key would do is not a failure: OpenSSH asks about every key in the agent.
 */
export class LoginThrottle implements Throttle {
  private readonly failures: FailureLimiter;

  constructor(
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    now: () => number = Date.now,
  ) {
    this.failures = new FailureLimiter(options.perAddress, options.windowMs, now);
  }

  /** True when this address has failed so often that it is refused without a check. */
  addressBlocked(ip: string): boolean {
    return this.failures.blocked(addressKey(ip));
  }

  /** How long this address stays refused (0: it is not). */
  addressBlockedForMs(ip: string): number {
    return this.failures.blockedForMs(addressKey(ip));
  }

  /** Counts a failure; returns how long to wait before answering it. */
  fail(ip: string, username: string): number {
    const pair = pairKey(ip, username);
    this.failures.fail(addressKey(ip), pair);
    return delayAfter(this.failures.count(pair), this.options);
  }
}
