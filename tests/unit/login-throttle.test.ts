import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../../lib/ssh/login-throttle";

describe("SSH login throttling", () => {
  const options = { freePerPair: 5, maxDelayMs: 8000, perAddress: 100, windowMs: 600_000 };

  it("slows only the (address, username) pair that fails, more with each failure, up to a bound", () => {
    const throttle = new LoginThrottle(options, () => 0);
    const delays = Array.from({ length: 12 }, () => throttle.fail("198.51.100.7", "alice"));
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(5, 9)).toEqual([250, 500, 1000, 2000]);
    expect(Math.max(...delays)).toBe(8000);
    // Somebody else behind the same address, and alice from elsewhere, pay nothing for it.
    expect(throttle.fail("198.51.100.7", "bob")).toBe(0);
    expect(throttle.fail("203.0.113.9", "alice")).toBe(0);
    expect(throttle.addressBlocked("198.51.100.7")).toBe(false);
  });

  it("refuses an address outright only past a limit no lab reaches by mistake, and forgets it after the window", () => {
    let now = 0;
    const throttle = new LoginThrottle(options, () => now);
    for (let i = 0; i < 99; i++) throttle.fail("198.51.100.7", `guess${i}`);
    expect(throttle.addressBlocked("198.51.100.7")).toBe(false);
    throttle.fail("198.51.100.7", "guess99");
    expect(throttle.addressBlocked("198.51.100.7")).toBe(true);
    expect(throttle.addressBlocked("203.0.113.9")).toBe(false);
    now += 600_001;
    expect(throttle.addressBlocked("198.51.100.7")).toBe(false);
  });
});
