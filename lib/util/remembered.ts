/**
 * Answers read from the database, kept in memory for every door's checks: believed for at most `maxAgeMs` (for
 * ever by default; less where other processes write the same rows), and no more than `limit` of them, so a flood
 * of unknown keys costs a re-read, never unbounded memory.
 */
export class Remembered<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
    private readonly limit = 50_000,
  ) {}

  /** The remembered value, or undefined when there is none young enough. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.at < this.maxAgeMs ? entry.value : undefined;
  }

  set(key: string, value: V): void {
    if (this.entries.size > this.limit) this.entries.clear();
    this.entries.set(key, { value, at: this.now() });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
