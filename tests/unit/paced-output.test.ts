import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";
import { PacedOutput } from "../../lib/terminal/paced-output";

const KB = 1000;

// The pacer's clock and its waits are the test's: how long output is held is read off that clock, so a busy
// machine cannot change what a test sees. The stream's own turns (nextTick, setImmediate) stay real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the stream run every turn it can without the clock moving. */
const turns = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** Writes `chunks` into the stream; `seen()` is how many bytes came out the other end so far. */
function feed(stream: PacedOutput, chunks: number, size: number, onChunk?: (n: number) => void) {
  let seen = 0;
  stream.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    onChunk?.(seen);
  });
  for (let i = 0; i < chunks; i++) stream.write(Buffer.alloc(size));
  return { seen: () => seen };
}

describe("PacedOutput (an SSH shell's output)", () => {
  it("passes output straight through while nobody types", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 100 * KB });
    const out = feed(new PacedOutput(pacer), 6, 20 * KB);
    await turns();
    expect(out.seen()).toBe(120 * KB); // and the clock never moved
  });

  it("holds output to the shared rate while another terminal is typed into", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 100 * KB });
    pacer.member().typed(); // another terminal
    const out = feed(new PacedOutput(pacer), 5, 20 * KB);
    // Each chunk goes out, then waits for its cost: the fifth leaves after the first four's 80 kB, less the
    // 10 kB burst, at 100 kB/s: 700 ms.
    for (let ms = 0; ms < 650; ms += 50) {
      await turns();
      expect(out.seen()).toBeLessThan(100 * KB);
      await vi.advanceTimersByTimeAsync(50);
    }
    for (let ms = 650; ms < 2000 && out.seen() < 100 * KB; ms += 50) {
      await turns();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(out.seen()).toBe(100 * KB);
  });

  it("lets go at once when its own user types (a Ctrl-C must not wait)", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 10 * KB });
    pacer.member().typed(); // another terminal
    const stream = new PacedOutput(pacer);
    // 100 kB at 10 kB/s would take ten seconds; typing after the first chunk frees the rest with no time passing.
    const out = feed(stream, 5, 20 * KB, (seen) => seen === 20 * KB && stream.typed());
    await turns();
    expect(out.seen()).toBe(100 * KB);
  });
});
