import { EventEmitter } from "node:events";
import { Duplex, PassThrough } from "node:stream";
import pino from "pino";
import type { ServerChannel, Session } from "ssh2";
import type { RegisteredUser } from "../../lib/identity/registry";
import { handleSession, type SessionDeps } from "../../server/ssh/session-channel";

/** One interactive SSH shell through the portal's SSH door (server/ssh/session-channel), as ssh2 hands it a client. */
export interface SshShell {
  /** Types into the shell. */
  type(text: string): void;
  output(): string;
  stderr(): string;
  /** The exit status the client was sent, once it was. */
  exitStatus(): number | undefined;
}

/**
 * Opens a login shell with a PTY in `user`'s workspace through `handleSession`, on a channel whose two directions
 * are kept apart (what the client types, what it is sent) so a test reads exactly what an OpenSSH client would show.
 */
export function openSshShell(deps: SessionDeps, user: RegisteredUser): SshShell {
  let out = "";
  let err = "";
  let status: number | undefined;
  const channel = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.toString("utf8");
      callback();
    },
  });
  const stderr = new PassThrough();
  stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  Object.assign(channel, { stderr, exit: (code: number) => (status = code) });
  const session = new EventEmitter();
  handleSession(deps, user, session as unknown as Session, pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }));
  session.emit("pty", () => {}, () => {}, { term: "xterm", cols: 80, rows: 24, width: 0, height: 0, modes: {} });
  session.emit("shell", () => channel as unknown as ServerChannel);
  return {
    type: (text) => void channel.push(text),
    output: () => out,
    stderr: () => err,
    exitStatus: () => status,
  };
}
