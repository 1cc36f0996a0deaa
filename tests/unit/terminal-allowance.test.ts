import { describe, expect, it } from "vitest";
import { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import { TokenBucket } from "../../lib/util/token-bucket";

describe("TerminalAllowance", () => {
  it("counts a user's web terminals and SSH sessions together, and gives a place back once", () => {
    const allowance = new TerminalAllowance({ maxOpen: 2, opensPerMinute: 100 });
    const web = allowance.hold("alice");
    const ssh = allowance.hold("alice");
    expect(() => allowance.hold("alice")).toThrow("You have 2 terminals and SSH sessions open, the most allowed.");
    expect(allowance.hold("bob")).toBeTypeOf("function"); // another user's count is their own
    web();
    web();
    expect(allowance.openOf("alice")).toBe(1);
    allowance.hold("alice");
    expect(() => allowance.hold("alice")).toThrow(/most allowed/);
    ssh();
    expect(allowance.openOf("alice")).toBe(1);
  });

  it("lets a burst of starts through, then one per 60/N seconds, and says how long to wait", () => {
    const clock = { t: 0 };
    const allowance = new TerminalAllowance({ maxOpen: 10, opensPerMinute: 6 }, () => clock.t);
    for (let i = 0; i < 6; i++) allowance.start("alice");
    expect(() => allowance.start("alice")).toThrow(
      "Too many terminals, SSH sessions and forwarded connections opened in a short time (at most 6 a minute). Try again in 10 seconds.",
    );
    allowance.start("bob"); // a user's starts are their own
    clock.t += 7_000;
    expect(() => allowance.start("alice")).toThrow("Try again in 3 seconds.");
    clock.t += 3_000;
    allowance.start("alice");
    expect(() => allowance.start("alice")).toThrow(/Try again in 10 seconds/);
  });
});

describe("TokenBucket's wait and fullness", () => {
  it("says how long until a token, and when it is as good as new", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket(2, 2, () => clock.t);
    expect(bucket.full).toBe(true);
    bucket.take();
    bucket.take();
    expect(bucket.waitMs()).toBe(500);
    clock.t += 500;
    expect(bucket.waitMs()).toBe(0);
    expect(bucket.full).toBe(false);
    clock.t += 500;
    expect(bucket.full).toBe(true);
  });
});
