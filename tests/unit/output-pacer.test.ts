import { describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";

function pacerAt(rate = 1000) {
  const clock = { now: 0 };
  const pacer = new OutputPacer({ interactiveMs: 2000, bulkBytesPerSecond: rate }, () => clock.now);
  return { pacer, clock };
}

describe("OutputPacer", () => {
  it("never slows output while nobody is typing", () => {
    const { pacer, clock } = pacerAt();
    clock.now = 10_000;
    for (let i = 0; i < 100; i++) expect(pacer.delayAfter(1_000_000, Number.NEGATIVE_INFINITY)).toBe(0);
  });

  it("never slows the terminal being typed into", () => {
    const { pacer, clock } = pacerAt();
    clock.now = 5000;
    pacer.typed();
    expect(pacer.delayAfter(1_000_000, 5000)).toBe(0);
  });

  it("holds other terminals to the shared rate while somebody types, after a tenth of a second's burst", () => {
    const { pacer, clock } = pacerAt(1000); // 1000 B/s, burst 100 B
    clock.now = 5000;
    pacer.typed();
    expect(pacer.delayAfter(100, Number.NEGATIVE_INFINITY)).toBe(0); // the burst
    expect(pacer.delayAfter(500, Number.NEGATIVE_INFINITY)).toBeCloseTo(500); // 500 B at 1 B/ms
    // A second bulk terminal queues behind the first: the budget is shared, not per terminal.
    expect(pacer.delayAfter(500, Number.NEGATIVE_INFINITY)).toBeCloseTo(1000);
  });

  it("lets bulk output run free again once typing has stopped for the interactive window", () => {
    const { pacer, clock } = pacerAt(1000);
    clock.now = 5000;
    pacer.typed();
    expect(pacer.delayAfter(10_000, Number.NEGATIVE_INFINITY)).toBeGreaterThan(0);
    clock.now = 7001;
    expect(pacer.delayAfter(10_000, Number.NEGATIVE_INFINITY)).toBe(0);
  });
});
