import { describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";

function pacerAt(rate = 1000) {
  const clock = { now: 0 };
  const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: rate }, () => clock.now);
  return { pacer, clock, typist: pacer.member(), bulk: pacer.member(), other: pacer.member() };
}

describe("OutputPacer", () => {
  it("never slows output while nobody is typing", () => {
    const { bulk, clock } = pacerAt();
    clock.now = 10_000;
    for (let i = 0; i < 100; i++) expect(bulk.delayAfter(1_000_000)).toBe(0);
  });

  it("never slows the terminal being typed into", () => {
    const { typist, bulk, clock } = pacerAt();
    clock.now = 5000;
    bulk.typed();
    typist.typed();
    expect(typist.delayAfter(1_000_000)).toBe(0);
  });

  it("holds other terminals to the shared rate while somebody types, after a tenth of a second's burst", () => {
    const { typist, bulk, other, clock } = pacerAt(1000); // 1000 B/s, burst 100 B
    clock.now = 5000;
    typist.typed();
    expect(bulk.delayAfter(100)).toBe(0); // the burst
    expect(bulk.delayAfter(500)).toBeCloseTo(500); // 500 B at 1 B/ms
    // A second bulk terminal queues behind the first: the budget is shared, not per terminal.
    expect(other.delayAfter(500)).toBeCloseTo(1000);
  });

  it("keeps pacing through a typist's pause to read, and lets bulk output run free once they have gone", () => {
    const { typist, bulk, clock } = pacerAt(1000);
    clock.now = 5000;
    typist.typed();
    clock.now = 12_000; // seven seconds of reading the output
    expect(bulk.delayAfter(10_000)).toBeGreaterThan(0);
    clock.now = 15_001;
    expect(bulk.delayAfter(10_000)).toBe(0);
  });

  it("never paces a terminal for its own typing, however recent", () => {
    const { typist, clock } = pacerAt(1000);
    clock.now = 5000;
    typist.typed(); // e.g. a command that then prints a lot
    clock.now = 8000; // past its own interactive window, within the attention window
    for (let i = 0; i < 10; i++) expect(typist.delayAfter(100_000)).toBe(0);
  });

  it("paces a terminal for somebody else's typing even when it was typed into itself earlier", () => {
    const { typist, bulk, clock } = pacerAt(1000);
    clock.now = 1000;
    bulk.typed(); // `yes` started here
    clock.now = 4000;
    typist.typed();
    typist.typed();
    expect(bulk.delayAfter(10_000)).toBeGreaterThan(0);
    expect(typist.delayAfter(10_000)).toBe(0);
  });
});
