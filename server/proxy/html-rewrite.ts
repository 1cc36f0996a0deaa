import { Transform } from "node:stream";

// The workbench page is a few kilobytes; anything far larger is not it and passes unchanged.
const LIMIT_BYTES = 1024 * 1024;

/** A stream that collects a small HTML page and passes it on rewritten by `rewrite` (unchanged when too large). */
export function rewritingHtml(rewrite: (html: string) => string): Transform {
  const chunks: Buffer[] = [];
  let size = 0;
  let passing = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (passing) return done(null, chunk);
      chunks.push(chunk);
      size += chunk.length;
      if (size > LIMIT_BYTES) {
        passing = true;
        const held = Buffer.concat(chunks);
        chunks.length = 0;
        return done(null, held);
      }
      done();
    },
    flush(done) {
      if (passing) return done();
      done(null, Buffer.from(rewrite(Buffer.concat(chunks).toString("utf8")), "utf8"));
    },
  });
}
