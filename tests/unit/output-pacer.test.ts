import { describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";

function pacerAt(rate = 1000) {
  const clock = { now: 0 };
  const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: rate }, () => clock.now);
  return { pacer, clock, typist: pacer.member(), bulk: pacer.member(), other: pacer.member() };
}

describe("OutputPacer", () => {
  it("never slows a terminal that is alone, however much it prints", () => {
    const clock = { now: 10_000 };
    const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: 1000 }, () => clock.now);
    const alone = pacer.member();
    for (let i = 0; i < 100; i++) expect(alone.delayAfter(1_000_000)).toBe(0);
  });

  it("lets ordinary output run free beside other terminals while nobody types", () => {
    const { bulk, clock } = pacerAt();
    clock.now = 10_000;
    // A build log, a listing: under a mebibyte, then a quiet second, then more.
    for (let i = 0; i < 9; i++) expect(bulk.delayAfter(100_000)).toBe(0);
    clock.now = 11_001;
    for (let i = 0; i < 9; i++) expect(bulk.delayAfter(100_000)).toBe(0);
  });

  it("paces a flood as soon as another terminal is open, before anybody types", () => {
    const { bulk, clock } = pacerAt(1000);
    clock.now = 10_000;
    const delays = Array.from({ length: 20 }, () => bulk.delayAfter(64 * 1024));
    expect(delays.slice(0, 15).every((d) => d === 0)).toBe(true); // the first mebibyte runs free
    expect(delays.at(-1)).toBeGreaterThan(0);
  });

  it("keeps a held flood paced while it waits, and runs it free once the others have closed", () => {
    const clock = { now: 10_000 };
    const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: 1000 }, () => clock.now);
    const flood = pacer.member();
    const other = pacer.member();
    for (let i = 0; i < 16; i++) flood.delayAfter(64 * 1024);
    // The pacer asks again every tenth of a second while it holds the flood: that is not a quiet second.
    for (let t = 0; t < 30; t++) {
      clock.now += 100;
      expect(flood.delayAfter(0)).toBeGreaterThan(0);
    }
    other.leave();
    other.leave(); // ending twice counts once
    expect(flood.delayAfter(0)).toBe(0);
    expect(flood.delayAfter(1_000_000)).toBe(0);
  });

  it("does not count a terminal nobody has open (its page gone, waiting for a reconnect)", () => {
    const clock = { now: 10_000 };
    const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: 1000 }, () => clock.now);
    const flood = pacer.member();
    const waiting = pacer.member(false);
    for (let i = 0; i < 100; i++) expect(flood.delayAfter(64 * 1024)).toBe(0);
    waiting.shown(true); // its page came back
    expect(flood.delayAfter(64 * 1024)).toBeGreaterThan(0);
  });

  it("releases a paced flood at once when it is typed into, and counts its flood afresh after", () => {
    const { bulk, clock } = pacerAt(1000);
    clock.now = 10_000;
    for (let i = 0; i < 20; i++) bulk.delayAfter(64 * 1024);
    expect(bulk.delayAfter(0)).toBeGreaterThan(0);
    bulk.typed(); // e.g. Ctrl-C
    expect(bulk.delayAfter(1_000_000)).toBe(0);
    clock.now = 12_001; // its own keystroke's window is over; a new mebibyte runs free
    expect(bulk.delayAfter(512 * 1024)).toBe(0);
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

  it("never paces ordinary output for its own terminal's earlier typing", () => {
    const { typist, clock } = pacerAt(1000);
    clock.now = 5000;
    typist.typed(); // e.g. a command that then prints a screenful now and then
    clock.now = 8000; // past its own interactive window, within the attention window
    for (let i = 0; i < 10; i++) expect(typist.delayAfter(50_000)).toBe(0);
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
