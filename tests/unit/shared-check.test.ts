import { describe, expect, it } from "vitest";
import { SharedCheck } from "../../lib/util/shared-check";

/** A check whose runs the test finishes by hand, one at a time, and counts. */
function manualCheck<T>() {
  const runs: { resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  const check = () => new Promise<T>((resolve, reject) => runs.push({ resolve, reject }));
  return { runs, check };
}

describe("a shared check", () => {
  it("runs once for calls that come while it runs, and answers from that run for the fresh time", async () => {
    let now = 0;
    const { runs, check } = manualCheck<string>();
    const shared = new SharedCheck(check, 2000, () => now);
    const waiting = Array.from({ length: 100 }, () => shared.get());
    expect(runs).toHaveLength(1);
    runs[0]!.resolve("ready");
    expect(await Promise.all(waiting)).toEqual(Array(100).fill("ready"));
    now += 1999;
    expect(await shared.get()).toBe("ready");
    expect(runs).toHaveLength(1);
    now += 1;
    const next = shared.get();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve("again");
    expect(await next).toBe("again");
  });

  it("never hands out an earlier success once it is stale or a later run has failed", async () => {
    let now = 0;
    const { runs, check } = manualCheck<{ ready: boolean }>();
    const shared = new SharedCheck(check, 2000, () => now);
    const first = shared.get();
    runs[0]!.resolve({ ready: true });
    await first;
    now += 2000;
    const second = shared.get();
    const meanwhile = shared.get(); // arrives while the new run is under way: waits for it, not the stale success
    runs[1]!.resolve({ ready: false });
    expect(await second).toEqual({ ready: false });
    expect(await meanwhile).toEqual({ ready: false });
    expect(await shared.get()).toEqual({ ready: false });
    expect(runs).toHaveLength(2);
  });

  it("keeps no result of a run that threw: its callers get the error, and the next call runs again", async () => {
    let now = 0;
    const { runs, check } = manualCheck<string>();
    const shared = new SharedCheck(check, 2000, () => now);
    const first = shared.get();
    runs[0]!.resolve("ready");
    await first;
    now += 2000;
    const failing = [shared.get(), shared.get()];
    runs[1]!.reject(new Error("docker gone"));
    for (const call of failing) await expect(call).rejects.toThrow("docker gone");
    const retry = shared.get();
    expect(runs).toHaveLength(3);
    runs[2]!.resolve("back");
    expect(await retry).toBe("back");
  });

  it("with no fresh time, shares only the run under way", async () => {
    const { runs, check } = manualCheck<number>();
    const shared = new SharedCheck(check, 0, () => 0);
    const together = [shared.get(), shared.get()];
    runs[0]!.resolve(1);
    expect(await Promise.all(together)).toEqual([1, 1]);
    const later = shared.get();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve(2);
    expect(await later).toBe(2);
  });
});
