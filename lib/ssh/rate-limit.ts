/**
 * Failed SSH logins, counted per source address and per username over a sliding window. Past the limit, further
 * attempts are refused without being checked, until old failures age out.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Failures of `key` within the window. */
  count(key: string): number {
    return this.recent(key).length;
  }

  blocked(...keys: string[]): boolean {
    return keys.some((key) => this.recent(key).length >= this.limit);
  }

  /** How long until `key` is under the limit again (0: it is now). */
  blockedForMs(key: string): number {
    const list = this.recent(key);
    if (list.length < this.limit) return 0;
    return Math.max(0, list[list.length - this.limit]! + this.windowMs - this.now());
  }

  fail(...keys: string[]): void {
    for (const key of keys) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
    if (this.failures.size > 50_000) this.prune();
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }
}
