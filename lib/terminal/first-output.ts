import type { Readable } from "node:stream";

/**
 * Whether a process printed anything before its output ended: true at its first bytes, which are put back at the
 * head of the stream, left paused for whoever reads it next (who must resume it); false when the output ended
 * without a byte. A command that answers "not there" by exiting silently, and "there" by printing, is asked this way
 * in the same exec that goes on to serve (see adoptHeldShellCommand).
 */
export function firstOutput(output: Readable): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (printed: boolean) => {
      output.off("data", onData);
      output.off("end", onEnd);
      output.off("close", onEnd);
      output.off("error", onEnd);
      resolve(printed);
    };
    const onData = (chunk: Buffer) => {
      output.pause();
      output.unshift(chunk);
      settle(true);
    };
    const onEnd = () => settle(false);
    output.on("data", onData);
    output.once("end", onEnd);
    output.once("close", onEnd);
    output.once("error", onEnd);
  });
}
