import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutputBatcher } from "../../lib/terminal/output-batcher";
import { ReadGate } from "../../lib/terminal/read-gate";

/** `onResume` plays the stream: it runs the moment the batcher lets reading resume, as the owner's reader would. */
function batcher(onResume?: (b: OutputBatcher) => void) {
  const sent: Buffer[] = [];
  const gathering: boolean[] = [];
  const gate = new ReadGate({
    pause: () => gathering.push(b.gathering),
    resume: () => {
      gathering.push(b.gathering);
      onResume?.(b);
    },
  });
  const b: OutputBatcher = new OutputBatcher((data) => sent.push(data), gate);
  return { b, sent, gathering };
}
// The clock is the test's: a busy machine can stall between two lines for longer than the batching window, or run
// a 20 ms timer in the same turn as the window's, and neither may decide what a test sees.
const settle = () => vi.advanceTimersByTime(20);

describe("OutputBatcher", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a keystroke's echo after a quiet moment at once, without pausing the stream", () => {
    const { b, sent, gathering } = batcher();
    b.push(Buffer.from("a"));
    expect(sent.map(String)).toEqual(["a"]);
    expect(gathering).toEqual([]);
  });

  it("gathers a burst into one message while the stream is left unread, then reads again", async () => {
    const { b, sent, gathering } = batcher();
    b.push(Buffer.from("first"));
    b.push(Buffer.from("-second"));
    expect(b.gathering).toBe(true); // the owner pauses reading; the kernel holds the rest
    b.push(Buffer.from("-third")); // already read before the pause took hold
    expect(sent.map(String)).toEqual(["first"]);
    settle();
    expect(sent.map(String)).toEqual(["first", "-second-third"]);
    expect(gathering).toEqual([true, false]);
    expect(b.gathering).toBe(false);
  });

  it("sends what the stream delivers as it resumes together with the gathered burst", async () => {
    // Read right after reading resumed, in the same turn of the event loop.
    const { b, sent } = batcher((resumed) => resumed.push(Buffer.from("z")));
    b.push(Buffer.from("x"));
    b.push(Buffer.from("y"));
    settle();
    expect(sent.map(String)).toEqual(["x", "yz"]);
  });

  it("sends a large burst as soon as it reaches 64 KiB", () => {
    const { b, sent } = batcher();
    b.push(Buffer.alloc(10));
    b.push(Buffer.alloc(40 * 1024));
    b.push(Buffer.alloc(30 * 1024));
    expect(sent.map((s) => s.length)).toEqual([10, 70 * 1024]);
    expect(b.gathering).toBe(false);
  });

  it("drops a gathered burst on request and reads again", async () => {
    const { b, sent } = batcher();
    b.push(Buffer.from("a"));
    b.push(Buffer.from("b"));
    b.drop();
    expect(b.gathering).toBe(false);
    settle();
    expect(sent.map(String)).toEqual(["a"]);
  });
});
