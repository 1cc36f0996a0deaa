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

describe("OutputPacer's queue of held terminals", () => {
  const BULK = Number.NEGATIVE_INFINITY; // a terminal nobody types into

  it("lets held terminals go one at a time, in the order they came, as the budget refills", async () => {
    const pacer = new OutputPacer({ interactiveMs: 10_000, bulkBytesPerSecond: 100_000 });
    pacer.typed();
    const released: { name: string; at: number }[] = [];
    const start = performance.now();
    for (const name of ["a", "b", "c"]) {
      pacer.delayAfter(20_000, BULK);
      pacer.hold(() => {
        released.push({ name, at: performance.now() - start });
        pacer.delayAfter(20_000, BULK); // each reads one more chunk when let go
      });
    }
    await new Promise((r) => setTimeout(r, 1200));
    expect(released.map((r) => r.name)).toEqual(["a", "b", "c"]);
    // 50 kB owed at 100 kB/s before the first; then each chunk of 20 kB costs 200 ms: never a burst.
    expect(released[0]!.at).toBeGreaterThan(400);
    expect(released[1]!.at - released[0]!.at).toBeGreaterThan(150);
    expect(released[2]!.at - released[1]!.at).toBeGreaterThan(150);
  });

  it("lets every held terminal go once nobody is typing", async () => {
    const pacer = new OutputPacer({ interactiveMs: 200, bulkBytesPerSecond: 1_000 });
    pacer.typed();
    const released: string[] = [];
    for (const name of ["a", "b", "c"]) {
      pacer.delayAfter(50_000, BULK); // a minute's worth of debt each
      pacer.hold(() => released.push(name));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(released).toEqual(["a", "b", "c"]);
  });

  it("forgets a terminal taken out of the queue", async () => {
    const pacer = new OutputPacer({ interactiveMs: 200, bulkBytesPerSecond: 1_000 });
    pacer.typed();
    const released: string[] = [];
    pacer.delayAfter(50_000, BULK);
    const cancel = pacer.hold(() => released.push("a"));
    pacer.hold(() => released.push("b"));
    cancel();
    await new Promise((r) => setTimeout(r, 500));
    expect(released).toEqual(["b"]);
  });
});
