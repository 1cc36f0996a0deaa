import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import pino from "pino";
import type { ServerChannel, Session } from "ssh2";
import { describe, expect, it, vi } from "vitest";
import type { RegisteredUser } from "../../lib/identity/registry";
import type { Shell } from "../../lib/terminal/shells";
import { handleSession, type SessionDeps } from "../../server/ssh/session-channel";

const user: RegisteredUser = { sub: "uid-alice", username: "alice", slug: "alice" };

/** A channel as ssh2 hands it over: a duplex that emits "close" when the client goes away. */
function fakeChannel() {
  const channel = Object.assign(new PassThrough(), { stderr: new PassThrough(), exit: vi.fn() });
  return channel as unknown as ServerChannel & EventEmitter;
}

function fakeShell(ended: string[]): Shell {
  return {
    tag: "t1",
    at: { slug: "alice", instanceId: "c1" },
    process: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), wait: () => new Promise(() => {}) } as unknown as Shell["process"],
    output: new PassThrough(),
    typed: () => {},
    resize: async () => {},
    signal: () => true,
    end: async () => void ended.push("t1"),
    abandon: () => {},
  };
}

describe("an SSH session whose client leaves while its shell is starting", () => {
  it("ends the shell once it has started, so nothing it made stays in the workspace", async () => {
    let started!: (shell: Shell) => void;
    const ended: string[] = [];
    const deps: SessionDeps = {
      workspaces: { ensureRunning: async () => ({ state: "running" }) as never },
      shells: { start: () => new Promise<Shell>((resolve) => (started = resolve)) },
      terminalAllowance: { start: () => {} },
      activity: { touch: () => {} },
      endings: { follow: () => ({ why: async () => undefined, release: () => {} }) },
      metrics: { errors: { inc: () => {} }, sshSessions: { inc: () => {}, dec: () => {} } } as unknown as SessionDeps["metrics"],
    };
    const session = new EventEmitter();
    const channel = fakeChannel();
    handleSession(deps, user, session as unknown as Session, pino({ level: "silent" }));
    session.emit("shell", () => channel);
    await vi.waitFor(() => expect(started).toBeTypeOf("function"));
    channel.emit("close");
    started(fakeShell(ended));
    await vi.waitFor(() => expect(ended).toEqual(["t1"]));
  });
});
