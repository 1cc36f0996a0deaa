import { describe, expect, it } from "vitest";
import { UsageMeter } from "../../lib/workspace/usage-meter";

describe("the workspace bar's live meter", () => {
  it("gives CPU as a rate between two readings, and answers a burst of requests from one reading", async () => {
    const clock = { t: 0 };
    let cpu = 10;
    let reads = 0;
    const c1 = { slug: "a-1", instanceId: "c1" };
    const meter = new UsageMeter({ usage: async () => (reads++, { cpuSeconds: cpu, memoryBytes: 5, memoryLimitBytes: 10 }) }, () => clock.t);
    expect(await meter.read(c1)).toEqual({ cpuPercent: null, memoryBytes: 5, memoryLimitBytes: 10 });
    for (let i = 0; i < 100; i++) await meter.read(c1);
    expect(reads).toBe(1);
    clock.t += 5000;
    cpu += 2.5; // half a core for five seconds
    expect((await meter.read(c1)).cpuPercent).toBe(50);
    clock.t += 120_000;
    cpu += 1;
    expect((await meter.read(c1)).cpuPercent).toBeNull(); // too old a base to say
  });
});
