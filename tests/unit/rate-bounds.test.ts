import { describe, expect, it } from "vitest";
import { latestWins } from "../../lib/util/latest-wins";
import { TokenBucket } from "../../lib/util/token-bucket";

describe("TokenBucket", () => {
  it("allows a burst, then the rate, refilling with time", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    let taken = 0;
    while (bucket.take()) taken += 1;
    expect(taken).toBe(20);
    now += 500; // half a second: five more
    taken = 0;
    while (bucket.take()) taken += 1;
    expect(taken).toBe(5);
    now += 60_000; // never more than the burst, however long it rested
    taken = 0;
    while (bucket.take()) taken += 1;
    expect(taken).toBe(20);
  });
});

describe("latestWins", () => {
  it("applies the first value at once and only the latest of those that came meanwhile", async () => {
    const applied: number[] = [];
    const set = latestWins(async (v: number) => void applied.push(v), 5);
    const done = [1, 2, 3, 4, 5].map((v) => set(v));
    await Promise.all(done);
    expect(applied).toEqual([1, 5]);
    await set(6);
    expect(applied).toEqual([1, 5, 6]);
  });

  it("merges pending values as told, and goes on after a failed call", async () => {
    const applied: string[] = [];
    const set = latestWins(
      async (v: { s: string; flag: boolean }) => {
        applied.push(`${v.s}${v.flag ? "!" : ""}`);
        if (v.s === "a") throw new Error("engine said no");
      },
      1,
      (a, b) => ({ s: b.s, flag: a.flag || b.flag }),
    );
    void set({ s: "a", flag: false });
    void set({ s: "b", flag: true });
    await set({ s: "c", flag: false });
    expect(applied).toEqual(["a", "c!"]);
  });
});
