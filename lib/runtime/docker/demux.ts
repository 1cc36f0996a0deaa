import type { Readable, Writable } from "node:stream";

const HEADER = 8;

/**
 * Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, big-endian length) into
 * stdout and stderr without copying the payload, and with backpressure: when either side is full, reading from
 * Docker pauses until it drains. (docker-modem's demuxStream copies every chunk and ignores backpressure, so a
 * fast command could pile up tens of megabytes in the portal.)
 */
export function demux(source: Readable, stdout: Writable, stderr: Writable): void {
  let pending: Buffer = Buffer.alloc(0);
  let frameLeft = 0;
  let frameTarget: Writable = stdout;

  const push = (target: Writable, data: Buffer) => {
    if (!target.write(data)) {
      source.pause();
      target.once("drain", () => source.resume());
    }
  };

  source.on("data", (chunk: Buffer) => {
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (frameLeft > 0) {
        const take = Math.min(frameLeft, data.length);
        push(frameTarget, data.subarray(0, take));
        frameLeft -= take;
        data = data.subarray(take);
        continue;
      }
      if (data.length < HEADER) {
        pending = Buffer.from(data); // a header split across chunks: keep the few bytes
        return;
      }
      frameTarget = data[0] === 2 ? stderr : stdout;
      frameLeft = data.readUInt32BE(4);
      data = data.subarray(HEADER);
    }
  });
}

/** The payload of a whole multiplexed buffer (e.g. `docker logs` of a non-TTY container), stdout and stderr as one. */
export function framesText(raw: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + HEADER <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + HEADER, at + HEADER + size));
    at += HEADER + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
