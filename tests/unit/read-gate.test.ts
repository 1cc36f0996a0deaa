import { describe, expect, it } from "vitest";
import { OutputPacer } from "../../lib/terminal/output-pacer";
import { type ReadHold, ReadGate } from "../../lib/terminal/read-gate";

function gate() {
  const events: string[] = [];
  const g = new ReadGate({ pause: () => events.push("pause"), resume: () => events.push("resume") });
  return { g, events };
}

const HOLDS: ReadHold[] = ["acknowledgement", "gathering", "pacing"];

/** Every order of `items`. */
function orders<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("ReadGate", () => {
  it("reads while no hold is set, without touching the stream", () => {
    const { g, events } = gate();
    expect(g.open).toBe(true);
    g.release("pacing");
    expect(events).toEqual([]);
  });

  it("pauses once when holds are set and resumes once when the last is cleared, in any order", () => {
    for (const setOrder of orders(HOLDS)) {
      for (const clearOrder of orders(HOLDS)) {
        const { g, events } = gate();
        for (const hold of setOrder) g.hold(hold);
        expect(events).toEqual(["pause"]);
        for (const [i, hold] of clearOrder.entries()) {
          g.release(hold);
          expect(g.open).toBe(i === clearOrder.length - 1);
          expect(g.isHeld(hold)).toBe(false);
        }
        expect(events).toEqual(["pause", "resume"]);
      }
    }
  });

  it("never resumes while another brake still holds the stream", () => {
    const { g, events } = gate();
    g.hold("pacing");
    g.hold("acknowledgement");
    g.release("acknowledgement"); // the browser caught up; the pacer still holds the flood back
    expect(g.open).toBe(false);
    expect(events).toEqual(["pause"]);
    g.hold("acknowledgement", false);
    expect(events).toEqual(["pause"]);
    g.hold("pacing", false);
    expect(events).toEqual(["pause", "resume"]);
  });

  it("does not pause or resume twice for a hold set or cleared twice", () => {
    const { g, events } = gate();
    g.hold("gathering");
    g.hold("gathering");
    g.hold("gathering", true);
    expect(events).toEqual(["pause"]);
    g.release("gathering");
    g.release("gathering");
    g.hold("gathering", false);
    expect(events).toEqual(["pause", "resume"]);
    g.hold("gathering");
    expect(events).toEqual(["pause", "resume", "pause"]);
  });

  it("is held for pacing while the pacer holds a flood back, and read at once when the terminal is typed into", () => {
    const { g, events } = gate();
    const clock = { now: 10_000 };
    const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: 1000 }, () => clock.now);
    pacer.member().typed(); // somebody types into another terminal
    const flood = pacer.member(true, g);
    flood.sent(100_000);
    expect(g.isHeld("pacing")).toBe(true);
    flood.sent(100_000); // read before the pause took hold: no second pause
    expect(events).toEqual(["pause"]);
    flood.typed(); // e.g. Ctrl-C
    expect(g.open).toBe(true);
    expect(events).toEqual(["pause", "resume"]);
    flood.leave();
  });

  it("keeps a terminal that has ended held, and starts no new wait for it", () => {
    const { g, events } = gate();
    const clock = { now: 10_000 };
    const pacer = new OutputPacer({ interactiveMs: 2000, attentionMs: 10_000, bulkBytesPerSecond: 1000 }, () => clock.now);
    pacer.member().typed();
    const flood = pacer.member(true, g);
    flood.sent(100_000);
    flood.leave();
    flood.typed();
    flood.sent(100_000);
    expect(g.isHeld("pacing")).toBe(true);
    expect(events).toEqual(["pause"]);
  });
});
