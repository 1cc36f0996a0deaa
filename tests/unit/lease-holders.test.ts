import { describe, expect, it } from "vitest";
import type { Placement } from "../../lib/backend/backend";
import { LeaseHolders, type LeaseProbe } from "../../lib/workspace/lease";

const copy = (instanceId: string, startedAt = "2026-01-01T00:00:00Z"): Placement => ({
  slug: "ada",
  name: "p-ada",
  labels: {},
  state: "running",
  instanceId,
  startedAt: new Date(startedAt),
});

/** A probe the test answers when it chooses, counting how often it was run. */
function heldProbe() {
  const answers: Array<{ resolve(p: LeaseProbe): void; reject(e: Error): void }> = [];
  return {
    runs: () => answers.length,
    probe: () => new Promise<LeaseProbe>((resolve, reject) => answers.push({ resolve, reject })),
    answer: (i: number, p: LeaseProbe) => answers[i]!.resolve(p),
    fail: (i: number, e: Error) => answers[i]!.reject(e),
  };
}

describe("LeaseHolders.check: one lease probe per copy for everybody asking at once", () => {
  it("ten callers asking about one copy at once run one probe and all get its answer; the copy is remembered", async () => {
    const holders = new LeaseHolders();
    const p = heldProbe();
    const asked = Array.from({ length: 10 }, () => holders.check(copy("c1"), p.probe));
    expect(p.runs()).toBe(1);
    p.answer(0, "held");
    expect(await Promise.all(asked)).toEqual(Array(10).fill("held"));
    expect(holders.has(copy("c1"))).toBe(true);
    expect(await holders.check(copy("c1"), p.probe)).toBe("held");
    expect(p.runs()).toBe(1);
  });

  it("a failed probe fails its waiting callers and is not kept: the next caller probes again", async () => {
    const holders = new LeaseHolders();
    const p = heldProbe();
    const asked = Array.from({ length: 3 }, () => holders.check(copy("c1"), p.probe));
    p.fail(0, new Error("engine busy"));
    for (const a of asked) await expect(a).rejects.toThrow("engine busy");
    expect(holders.has(copy("c1"))).toBe(false);
    const again = holders.check(copy("c1"), p.probe);
    expect(p.runs()).toBe(2);
    p.answer(1, "held");
    expect(await again).toBe("held");
  });

  it("an answer other than held is shared by those who waited for it, but never remembered", async () => {
    const holders = new LeaseHolders();
    const p = heldProbe();
    const asked = [holders.check(copy("c1"), p.probe), holders.check(copy("c1"), p.probe)];
    p.answer(0, "elsewhere");
    expect(await Promise.all(asked)).toEqual(["elsewhere", "elsewhere"]);
    expect(holders.has(copy("c1"))).toBe(false);
    const next = holders.check(copy("c1"), p.probe);
    expect(p.runs()).toBe(2);
    p.answer(1, "not-yet");
    expect(await next).toBe("not-yet");
  });

  it("another copy, or the same container started again, is probed on its own", async () => {
    const holders = new LeaseHolders();
    const p = heldProbe();
    const first = holders.check(copy("c1"), p.probe);
    const moved = holders.check(copy("c2"), p.probe);
    const restarted = holders.check(copy("c1", "2026-01-02T00:00:00Z"), p.probe);
    expect(p.runs()).toBe(3);
    p.answer(0, "held");
    p.answer(1, "not-yet");
    p.answer(2, "held");
    expect(await Promise.all([first, moved, restarted])).toEqual(["held", "not-yet", "held"]);
    // One copy per workspace is remembered: the last seen holding it.
    expect(holders.has(copy("c1", "2026-01-02T00:00:00Z"))).toBe(true);
    expect(holders.has(copy("c1"))).toBe(false);
  });
});
