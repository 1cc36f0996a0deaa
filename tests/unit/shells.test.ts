import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ExecOptions, ExecProcess } from "../../lib/runtime/runtime";
import { endSessionCommand, signalCommand, TERMINAL_TAG, terminalShellCommand } from "../../lib/terminal/end-session-script";
import { OutputPacer } from "../../lib/terminal/output-pacer";
import { PacedOutput } from "../../lib/terminal/paced-output";
import { mayPassVariable, Shells } from "../../lib/terminal/shells";
import { TERMINAL_ID_PATTERN } from "../../lib/terminal/terminal-service";
import type { WorkspaceManager } from "../../lib/workspace/manager";
import { run } from "../../lib/workspace/run";

const alice = { sub: "sub-alice", username: "alice" };

/**
 * A workspace whose execs are recorded in order: the shell's own (stdin attached) stays open; a helper's (no
 * stdin) prints nothing and exits 0 at once, or cannot be made when `failHelpers` is set.
 */
function fakeWorkspace() {
  const events: string[] = [];
  const execs: ExecOptions[] = [];
  const state = { failHelpers: false };
  const exec: WorkspaceManager["exec"] = async (_user, options) => {
      execs.push(options);
      const helper = !options.stdin;
      if (helper && state.failHelpers) throw new Error("the workspace is not running");
      events.push(helper ? `helper ${options.cmd[3]}` : "shell");
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      if (helper) {
        stdout.end();
        stderr.end();
      }
      const proc: ExecProcess = {
        id: `exec-${execs.length}`,
        stdin: helper ? null : new PassThrough(),
        stdout,
        stderr,
        resize: async (cols, rows) => void events.push(`resize ${cols}x${rows}`),
        wait: async () => 0,
        detach: () => void events.push("detach"),
      };
      return proc;
  };
  const workspaces: Pick<WorkspaceManager, "exec" | "execWhere"> = {
    exec,
    execWhere: async (user, options) => ({ process: await exec(user, options), at: { slug: "alice", instanceId: "c1" } }),
  };
  return { workspaces, events, execs, state };
}

const envOf = (options: ExecOptions | undefined) => options?.env ?? [];

describe("Shells: how every door starts a shell", () => {
  it("starts a login shell in the session-ending wrapper, on a PTY of the client's size, with one environment and a tag", async () => {
    const { workspaces, execs } = fakeWorkspace();
    const shell = await new Shells(workspaces).start(alice, { tty: true, terminal: { cols: 120, rows: 40 }, env: { COLORTERM: "truecolor" } });
    expect(shell.tag).toMatch(TERMINAL_ID_PATTERN); // it names a web terminal too
    expect(execs[0]).toMatchObject({ cmd: terminalShellCommand(), tty: true, stdin: true, cols: 120, rows: 40 });
    expect(envOf(execs[0])).toEqual(["TERM=xterm-256color", "LANG=C.UTF-8", "COLORTERM=truecolor", `${TERMINAL_TAG}=${shell.tag}`]);
  });

  it("runs a command as given; the client's terminal type goes with it even without a PTY, its size only with one", async () => {
    const { workspaces, execs } = fakeWorkspace();
    const shells = new Shells(workspaces);
    await shells.start(alice, { command: ["/usr/lib/openssh/sftp-server"], tty: false, terminal: { type: "vt100", cols: 80, rows: 24 } });
    expect(execs[0]?.cmd).toEqual(["/usr/lib/openssh/sftp-server"]);
    expect(envOf(execs[0])[0]).toBe("TERM=vt100");
    expect(execs[0]).not.toHaveProperty("cols");
    expect(execs[0]).not.toHaveProperty("rows");
    // A command with no terminal at all (an `-L` relay) has no TERM; every exec has its own tag.
    const relay = await shells.start(alice, { command: ["bash", "-c", "true"], tty: false });
    expect(envOf(execs[1])).toEqual(["LANG=C.UTF-8", `${TERMINAL_TAG}=${relay.tag}`]);
    expect(relay.tag).not.toBe(envOf(execs[0]).at(-1)?.split("=")[1]);
  });

  it("ends what the shell started by its tag, then drops the connection, even when the workspace is gone", async () => {
    const fake = fakeWorkspace();
    const shells = new Shells(fake.workspaces);
    const shell = await shells.start(alice, { tty: true, terminal: { cols: 80, rows: 24 } });
    await shell.end();
    expect(fake.events).toEqual(["shell", "helper end-terminal", "detach"]);
    expect(fake.execs[1]?.cmd).toEqual(endSessionCommand(shell.tag));

    const other = await shells.start(alice, { tty: true, terminal: { cols: 80, rows: 24 } });
    fake.state.failHelpers = true;
    await expect(other.end()).rejects.toThrow("not running");
    expect(fake.events.at(-1)).toBe("detach");
  });

  it("sends only the signals sshd would, by the shell's tag, a few per second", async () => {
    const fake = fakeWorkspace();
    const clock = { t: 0 };
    const shell = await new Shells(fake.workspaces, null, () => clock.t).start(alice, { command: ["sleep", "9"], tty: false });
    expect(shell.signal("STOP")).toBe(false);
    expect(shell.signal("TERM")).toBe(true);
    expect(fake.execs[1]?.cmd).toEqual(signalCommand(shell.tag, "TERM"));
    let sent = 1;
    while (shell.signal("INT")) sent += 1;
    expect(sent).toBe(10); // the burst
    clock.t += 1000;
    for (let i = 0; i < 5; i++) expect(shell.signal("INT")).toBe(true);
    expect(shell.signal("INT")).toBe(false);
    expect(fake.execs.filter((e) => !e.stdin)).toHaveLength(15);
  });

  it("resizes the shell's terminal", async () => {
    const fake = fakeWorkspace();
    const shell = await new Shells(fake.workspaces).start(alice, { tty: true, terminal: { cols: 80, rows: 24 } });
    await shell.resize(132, 43);
    expect(fake.events).toContain("resize 132x43");
  });

  it("paces a shell's output when asked and the portal paces at all; otherwise its output is the process's own", async () => {
    const pacer = new OutputPacer({ interactiveMs: 1000, attentionMs: 5000, bulkBytesPerSecond: 100_000 });
    const { workspaces } = fakeWorkspace();
    const paced = await new Shells(workspaces, pacer).start(alice, { tty: true, paced: true });
    expect(paced.output).toBeInstanceOf(PacedOutput);
    const bulk = await new Shells(workspaces, pacer).start(alice, { tty: false, command: ["cat"] });
    expect(bulk.output).toBe(bulk.process.stdout);
    const never = await new Shells(workspaces, null).start(alice, { tty: true, paced: true });
    expect(never.output).toBe(never.process.stdout);
    never.typed(); // nothing to let go
    await paced.end();
    expect(paced.output.destroyed).toBe(true); // it leaves the pacer, even with output nobody read
  });

  it("counts open shells by door, each once, for the gauge; a relay counts in none", async () => {
    const { workspaces } = fakeWorkspace();
    const shells = new Shells(workspaces);
    expect(shells.openByDoor()).toEqual({ web: 0, ssh: 0 });
    const web = await shells.start(alice, { tty: true, door: "web" });
    const ssh = await shells.start(alice, { tty: false, command: ["ls"], door: "ssh" });
    await shells.start(alice, { tty: false, command: ["relay"] });
    expect(shells.openByDoor()).toEqual({ web: 1, ssh: 1 });
    await web.end();
    await web.end(); // a terminal's close and its exit both end it
    expect(shells.openByDoor()).toEqual({ web: 0, ssh: 1 });
    await ssh.end();
    expect(shells.openByDoor()).toEqual({ web: 0, ssh: 0 });
  });
});

describe("the variables a client may pass to its shell", () => {
  it("are locale, time zone and colour support, at most 32, each value at most 256 characters", () => {
    for (const key of ["LANG", "LC_ALL", "LC_CTYPE", "TZ", "COLORTERM"]) expect(mayPassVariable({}, key, "x")).toBe(true);
    for (const key of ["PATH", "LD_PRELOAD", "BASH_ENV", "PORTAL_TERMINAL", "lang", "LC_"]) expect(mayPassVariable({}, key, "x")).toBe(false);
    expect(mayPassVariable({}, "TZ", "x".repeat(256))).toBe(true);
    expect(mayPassVariable({}, "TZ", "x".repeat(257))).toBe(false);
    const full = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`LC_V${i}`, "x"]));
    expect(mayPassVariable(full, "TZ", "UTC")).toBe(false);
  });
});

describe("run: a helper exec to its end", () => {
  it("gives back the exit status and both streams, including output that arrives after the exit is known", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const workspaces: Pick<WorkspaceManager, "exec"> = {
      exec: async (_user, options) => {
        expect(options).toEqual({ cmd: ["sh", "-c", "x"], tty: false });
        stdout.write("first ");
        stderr.end("warning\n");
        return {
          id: "e",
          stdin: null,
          stdout,
          stderr,
          resize: async () => {},
          // The engine reports the exit; the last output is still on its way.
          wait: async () => {
            setImmediate(() => stdout.end("last\n"));
            return 3;
          },
          detach: () => {},
        };
      },
    };
    expect(await run(workspaces, alice, ["sh", "-c", "x"])).toEqual({ code: 3, stdout: "first last\n", stderr: "warning\n" });
  });
});
