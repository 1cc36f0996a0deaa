import type { Transform } from "node:stream";
import type { ServerChannel } from "ssh2";
import type { ExecProcess } from "../../lib/runtime/runtime";

/**
 * Joins an SSH channel to a process in the workspace, one-to-one: stdin (and its EOF), stdout, stderr kept apart
 * when there is no TTY, and the process's exit status back to the client. Backpressure flows both ways, through
 * `through` (pacing) when given. `lastWords`, asked once the process has ended, may give a line for the client's
 * stderr before the channel closes (why the session ended, when the portal knows).
 */
export function bridge(channel: ServerChannel, proc: ExecProcess, through?: Transform, lastWords?: () => string | undefined): Promise<void> {
  if (proc.stdin) {
    channel.pipe(proc.stdin);
  } else {
    channel.resume();
  }
  const output = through ? proc.stdout.pipe(through) : proc.stdout;
  output.pipe(channel, { end: false });
  proc.stderr.pipe(channel.stderr, { end: false });
  const drained = Promise.all([ended(output), ended(proc.stderr)]);
  return (async () => {
    const code = await proc.wait();
    await drained;
    if (channel.writable) {
      const words = lastWords?.();
      if (words) channel.stderr.write(`\r\n${words}\r\n`);
      channel.exit(code < 0 ? 255 : code);
      channel.end();
    }
  })();
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", done);
  });
}
