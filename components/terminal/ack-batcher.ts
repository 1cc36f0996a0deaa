// Acknowledge rendered output in batches (the server pauses the shell past 1 MiB unacknowledged).
export const ACK_BYTES = 64 * 1024;
const ACK_DELAY_MS = 20;

/**
 * How a terminal client acknowledges what it has drawn: every ACK_BYTES, or shortly after output stops, so the
 * server's count of unacknowledged bytes always returns to zero. Shared by the browser and the benchmark client.
 */
export class AckBatcher {
  private pending = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly send: (bytes: number) => void) {}

  rendered(bytes: number): void {
    this.pending += bytes;
    if (this.pending >= ACK_BYTES) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), ACK_DELAY_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending > 0) this.send(this.pending);
    this.pending = 0;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = 0;
  }
}
