import type { ServerChannel } from "ssh2";
import type { Shell } from "../../lib/terminal/shells";

/**
 * Joins an SSH channel to a shell in the workspace, one-to-one: stdin (and its EOF), its output (paced when it
 * is), stderr kept apart when there is no TTY, and the exit status back to the client. Backpressure flows both
 * ways. `lastWords`, asked once the process has ended, may give a line for the client's stderr before the channel
 * closes (why the session ended, when the portal knows).
 */
export function bridge(channel: ServerChannel, shell: Shell, lastWords?: () => string | undefined): Promise<void> {
  const proc = shell.process;
  if (proc.stdin) {
    channel.pipe(proc.stdin);
  } else {
    channel.resume();
  }
  const output = shell.output;
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
