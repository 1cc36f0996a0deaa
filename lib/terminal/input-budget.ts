import { TokenBucket } from "../util/token-bucket";
import { CLIENT_EVENTS } from "./socket-protocol";

/** What a terminal socket does with one incoming message. */
export type Admission = "ok" | "too_many_messages" | "too_many_bytes";

export interface InputBudgetOptions {
  /** Messages of any kind (keystrokes, resizes) per second; four seconds' worth may come at once. */
  messagesPerSecond: number;
  /** Bytes of input per second; four seconds' worth may come at once (a paste of that size goes in whole). */
  bytesPerSecond: number;
}

/** Four seconds of either rate at once: a paste, a window dragged, a reconnect's catch-up. */
export const BURST_SECONDS = 4;

/**
 * One terminal connection's budget: how many messages and how many bytes of input the portal takes from it per
 * second. Past either, a message is refused (never queued), so a script flooding a socket costs its own terminal
 * and the portal holds nothing more for it. Acknowledgements always pass and cost nothing: a lost one would hold
 * the terminal's output back for good.
 */
export class InputBudget {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(readonly options: InputBudgetOptions, now: () => number = Date.now) {
    this.messages = new TokenBucket(options.messagesPerSecond, options.messagesPerSecond * BURST_SECONDS, now);
    this.bytes = new TokenBucket(options.bytesPerSecond, options.bytesPerSecond * BURST_SECONDS, now);
  }

  /** `data` is the message's payload: only input's counts as bytes. A refused message spends nothing. */
  admit(event: string, data: unknown): Admission {
    if (event === CLIENT_EVENTS.ack) return "ok";
    const size = event === CLIENT_EVENTS.input && typeof data === "string" ? Buffer.byteLength(data, "utf8") : 0;
    // Bytes first: input refused for its size must not spend a message either.
    if (size > 0 && this.bytes.waitMs(size) > 0) return "too_many_bytes";
    if (!this.messages.take()) return "too_many_messages";
    if (size > 0) this.bytes.take(size);
    return "ok";
  }
}
