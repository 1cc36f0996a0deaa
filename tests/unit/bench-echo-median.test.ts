import { describe, expect, it } from "vitest";
import { medianRound } from "../../bench/terminal/echo-latency";

const round = (p99: number) => ({ p50: 1, p99, max: p99 * 2, samples: 1000 });

describe("the terminal bench's one-session echo figure", () => {
  it("is the round with the median p99, so one noisy round neither makes nor breaks the goal", () => {
    expect(medianRound([round(6.1), round(2.6), round(3.1)])?.p99).toBe(3.1);
    expect(medianRound([round(4), round(2)])?.p99).toBe(2);
    expect(medianRound([])).toBeNull();
  });
});
