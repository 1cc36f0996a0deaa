/**
 * One run of a costly check shared by everybody who asks for it: callers that arrive while it runs wait for that
 * run, and its result is handed out again for `freshMs` after it finished. Only the newest finished run is ever
 * handed out, so a success is never reported after a later run has failed. A run that throws is not kept: its
 * callers get the error, and the next caller runs the check again.
 */
export class SharedCheck<T> {
  private running: Promise<T> | null = null;
  private last: { at: number; value: T } | null = null;

  constructor(
    private readonly check: () => Promise<T>,
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.running) return this.running;
    if (this.last && this.now() - this.last.at < this.freshMs) return Promise.resolve(this.last.value);
    // The previous result is stale from here on: nobody may be handed it while the new run is under way.
    this.last = null;
    const run = this.check().then(
      (value) => {
        this.last = { at: this.now(), value };
        return value;
      },
      (error: unknown) => {
        this.last = null;
        throw error;
      },
    );
    this.running = run.finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
