import { describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";
import { PacedOutput } from "../../lib/terminal/paced-output";

const KB = 1000;

/** Writes `chunks` into the stream and resolves with the milliseconds until all of them came out the other end. */
function drain(stream: PacedOutput, chunks: number, size: number, onChunk?: (n: number) => void): Promise<number> {
  const started = performance.now();
  let seen = 0;
  return new Promise((resolve) => {
    stream.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      onChunk?.(seen);
      if (seen === chunks * size) resolve(performance.now() - started);
    });
    for (let i = 0; i < chunks; i++) stream.write(Buffer.alloc(size));
  });
}

describe("PacedOutput (an SSH shell's output)", () => {
  it("passes output straight through while nobody types", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 100 * KB });
    expect(await drain(new PacedOutput(pacer), 6, 20 * KB)).toBeLessThan(100);
  });

  it("holds output to the shared rate while another terminal is typed into", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 100 * KB });
    pacer.member().typed(); // another terminal
    // Each chunk goes out, then waits for its cost: the fifth leaves after the first four's 80 kB, less the
    // 10 kB burst, at 100 kB/s.
    expect(await drain(new PacedOutput(pacer), 5, 20 * KB)).toBeGreaterThan(650);
  });

  it("lets go at once when its own user types (a Ctrl-C must not wait)", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 10 * KB });
    pacer.member().typed(); // another terminal
    const stream = new PacedOutput(pacer);
    // 100 kB at 10 kB/s would take ten seconds; typing after the first chunk frees the rest.
    const elapsed = await drain(stream, 5, 20 * KB, (seen) => seen === 20 * KB && stream.typed());
    expect(elapsed).toBeLessThan(500);
  });
});
