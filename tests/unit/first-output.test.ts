import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { firstOutput } from "../../lib/terminal/first-output";

describe("firstOutput: did the process print before its output ended", () => {
  it("true at the first bytes, which the next reader gets first, followed by the rest in order", async () => {
    const out = new PassThrough();
    const asked = firstOutput(out);
    out.write("history\r\n");
    expect(await asked).toBe(true);
    out.write("screen");
    out.end();
    const read: string[] = [];
    out.on("data", (c: Buffer) => read.push(c.toString()));
    out.resume();
    await new Promise((done) => out.once("end", done));
    expect(read.join("")).toBe("history\r\nscreen");
  });

  it("false when the output ends without a byte", async () => {
    const out = new PassThrough();
    const asked = firstOutput(out);
    out.end();
    expect(await asked).toBe(false);
  });

  it("false when the stream is destroyed without a byte", async () => {
    const out = new PassThrough();
    const asked = firstOutput(out);
    out.destroy();
    expect(await asked).toBe(false);
  });
});
