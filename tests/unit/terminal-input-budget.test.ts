import { describe, expect, it } from "vitest";
import { InputBudget } from "../../lib/terminal/input-budget";

const KiB = 1024;

describe("a terminal connection's input budget", () => {
  it("takes four seconds of bytes at once, then refuses input past the byte rate until it refills", () => {
    let now = 0;
    const budget = new InputBudget({ messagesPerSecond: 1000, bytesPerSecond: 64 * KiB }, () => now);
    const chunk = "x".repeat(16 * KiB);
    let taken = 0;
    while (budget.admit("input", chunk) === "ok") taken += 1;
    expect(taken).toBe(16); // 256 KiB: four seconds' worth
    expect(budget.admit("input", chunk)).toBe("too_many_bytes");
    now += 250; // a quarter of a second: 16 KiB more
    expect(budget.admit("input", chunk)).toBe("ok");
    expect(budget.admit("input", "y")).toBe("too_many_bytes");
  });

  it("counts bytes, not characters", () => {
    const budget = new InputBudget({ messagesPerSecond: 1000, bytesPerSecond: 64 * KiB }, () => 0);
    const wide = "é".repeat(64 * KiB); // 128 KiB in UTF-8
    expect(budget.admit("input", wide)).toBe("ok");
    expect(budget.admit("input", wide)).toBe("ok");
    expect(budget.admit("input", wide)).toBe("too_many_bytes");
  });

  it("refuses messages past the message rate, whatever their size, and a refusal for bytes spends no message", () => {
    let now = 0;
    const budget = new InputBudget({ messagesPerSecond: 10, bytesPerSecond: 64 * KiB }, () => now);
    expect(budget.admit("input", "x".repeat(300 * KiB))).toBe("too_many_bytes");
    let taken = 0;
    while (budget.admit(taken % 2 ? "resize" : "input", "a") === "ok") taken += 1;
    expect(taken).toBe(40);
    expect(budget.admit("resize", { cols: 80, rows: 24 })).toBe("too_many_messages");
    now += 100;
    expect(budget.admit("input", "a")).toBe("ok");
    expect(budget.admit("input", "a")).toBe("too_many_messages");
  });

  it("never refuses an acknowledgement, and acknowledgements spend nothing", () => {
    const budget = new InputBudget({ messagesPerSecond: 1, bytesPerSecond: 64 * KiB }, () => 0);
    for (let i = 0; i < 10_000; i++) expect(budget.admit("ack", 4096)).toBe("ok");
    while (budget.admit("input", "x".repeat(64 * KiB)) === "ok");
    for (let i = 0; i < 10; i++) expect(budget.admit("ack", 4096)).toBe("ok");
    expect(budget.admit("input", "a")).not.toBe("ok");
  });
});
