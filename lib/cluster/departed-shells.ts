import type { Logger } from "pino";

/**
 * Ends the shells of portal processes that died (kill -9, a crash) while others run on: nobody can reach those
 * shells any more. Every process watches which processes are alive; the leader, on seeing one gone (or on taking
 * the lead after one went), ends the shells of every process not alive now, sparing the living's.
 */
export class DepartedShells {
  private timer: NodeJS.Timeout | null = null;
  private known: Set<string> | null = null;
  private departed = false;
  private busy = false;

  constructor(
    private readonly alive: () => Promise<Set<string>>,
    private readonly leading: () => boolean,
    private readonly endShells: (alive: Set<string>) => Promise<unknown>,
    private readonly log: Logger,
    private readonly everyMs = 5_000,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * This process took the lead: the one before may have died before this one ever saw it alive (a process that
   * started just then), so the shells of every process not alive are ended once, whatever this one saw.
   */
  tookLead(): void {
    this.departed = true;
    void this.check();
  }

  async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = await this.alive();
      if (this.known && [...this.known].some((id) => !now.has(id))) this.departed = true;
      this.known = now;
      if (!this.departed || !this.leading()) return;
      this.log.info({ alive: now.size }, "a portal process is gone: ending the shells it left");
      await this.endShells(now);
      this.departed = false;
    } catch (error) {
      this.log.warn({ err: error }, "could not check for portal processes that are gone");
    } finally {
      this.busy = false;
    }
  }
}
