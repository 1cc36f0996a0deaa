import type { ServerChannel } from "ssh2";
import type { Shell } from "../../lib/terminal/shells";

/** What a session says as it ends, when the portal knows why: a line for stderr, and an exit status of its own. */
export interface LastWords {
  message: string;
  code?: number;
}

/**
 * Joins an SSH channel to a shell in the workspace, one-to-one: stdin (and its EOF), its output (paced when it
 * is), stderr kept apart when there is no TTY, and the exit status back to the client. Backpressure flows both
 * ways. `lastWords`, asked once the process has ended, may give a line for the client's stderr (and an exit status)
 * before the channel closes (why the session ended, when the portal knows); `waiting` a line meanwhile. `ended`
 * ends the wait for a process whose engine never tells its end (its machine cut off).
 */
export function bridge(
  channel: ServerChannel,
  shell: Shell,
  lastWords?: (waiting: (message: string) => void, code: number) => Promise<LastWords | undefined>,
  ended?: Promise<number>,
): Promise<void> {
  const proc = shell.process;
  if (proc.stdin) {
    channel.pipe(proc.stdin);
  } else {
    channel.resume();
  }
  const output = shell.output;
  output.pipe(channel, { end: false });
  proc.stderr.pipe(channel.stderr, { end: false });
  const drained = Promise.all([streamEnded(output), streamEnded(proc.stderr)]);
  return (async () => {
    const code = await Promise.race([proc.wait().catch(() => -1), ...(ended ? [ended] : [])]);
    await Promise.race([drained, ...(ended ? [ended] : [])]);
    const words = channel.writable ? await lastWords?.((message) => channel.writable && channel.stderr.write(`\r\n${message}\r\n`), code).catch(() => undefined) : undefined;
    if (channel.writable) {
      if (words) channel.stderr.write(`\r\n${words.message}\r\n`);
      const status = words?.code ?? code;
      channel.exit(status < 0 ? 255 : status);
      channel.end();
    }
  })();
}

function streamEnded(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", done);
  });
}
