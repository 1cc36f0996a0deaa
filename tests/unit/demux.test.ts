import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { demux, framesText } from "../../lib/runtime/docker/demux";

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function collect() {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) });
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

describe("docker stream demultiplexing", () => {
  it("keeps stdout and stderr apart however the frames are split", () => {
    const all = Buffer.concat([frame(1, "out one "), frame(2, "err one "), frame(1, "out two"), frame(2, "")]);
    for (const size of [1, 3, 7, 8, 9, 64]) {
      const source = new PassThrough();
      const out = collect();
      const err = collect();
      demux(source, out.stream, err.stream);
      for (let i = 0; i < all.length; i += size) source.write(all.subarray(i, i + size));
      expect([out.text(), err.text()]).toEqual(["out one out two", "err one "]);
    }
  });

  it("stops reading from Docker while a reader is full, and goes on when it drains", async () => {
    const source = new PassThrough();
    const slow = new PassThrough({ highWaterMark: 16 });
    demux(source, slow, new PassThrough());
    source.write(frame(1, "x".repeat(1000)));
    await new Promise((r) => setImmediate(r));
    expect(source.isPaused()).toBe(true);
    slow.resume();
    await new Promise((r) => setTimeout(r, 10));
    expect(source.isPaused()).toBe(false);
  });

  it("reads a whole multiplexed log buffer", () => {
    expect(framesText(Buffer.concat([frame(1, "a"), frame(2, "b"), frame(1, "c")]))).toBe("abc");
  });
});
