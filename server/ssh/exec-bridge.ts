import type { ServerChannel } from "ssh2";
import type { ExecProcess } from "../../lib/runtime/runtime";

/**
 * Joins an SSH channel to a process in the workspace, one-to-one: stdin (and its EOF), stdout, stderr kept apart
 * when there is no TTY, and the process's exit status back to the client. Backpressure flows both ways.
 */
export function bridge(channel: ServerChannel, proc: ExecProcess): Promise<void> {
  if (proc.stdin) {
    channel.pipe(proc.stdin);
  } else {
    channel.resume();
  }
  proc.stdout.pipe(channel, { end: false });
  proc.stderr.pipe(channel.stderr, { end: false });
  const drained = Promise.all([ended(proc.stdout), ended(proc.stderr)]);
  return (async () => {
    const code = await proc.wait();
    await drained;
    if (channel.writable) {
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
