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

  it("sends a keystroke's echo at once even right after other output, behind what was gathered, then gathers again", () => {
    const { b, sent, gathering } = batcher();
    b.push(Buffer.from("prompt"));
    b.push(Buffer.from("-rest")); // within the window: gathered, the stream left unread
    expect(b.gathering).toBe(true);
    b.typed(); // the gathered part goes out now and reading resumes, so the echo can be read at all
    expect(sent.map(String)).toEqual(["prompt", "-rest"]);
    expect(b.gathering).toBe(false);
    b.push(Buffer.from("x")); // the echo, 0 ms after the last message: not held for the window
    expect(sent.map(String)).toEqual(["prompt", "-rest", "x"]);
    b.push(Buffer.from("y")); // a burst after the echo is gathered as before
    expect(sent.map(String)).toEqual(["prompt", "-rest", "x"]);
    expect(b.gathering).toBe(true);
    settle();
    expect(sent.map(String)).toEqual(["prompt", "-rest", "x", "y"]);
    expect(gathering).toEqual([true, false, true, false]);
  });

  it("holds no echo over a drop: after a replay, output is gathered as usual", () => {
    const { b, sent } = batcher();
    b.push(Buffer.from("a"));
    b.typed();
    b.drop();
    b.push(Buffer.from("b"));
    expect(sent.map(String)).toEqual(["a"]);
    settle();
    expect(sent.map(String)).toEqual(["a", "b"]);
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
