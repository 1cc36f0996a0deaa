import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { RunningAt } from "../backend/backend";
import type { PortalUser } from "../identity/user";
import type { ExecProcess } from "../runtime/runtime";
import { latestWins } from "../util/latest-wins";
import { TokenBucket } from "../util/token-bucket";
import type { WorkspaceManager } from "../workspace/manager";
import { run, type RunResult } from "../workspace/run";
import { DELIVERABLE_SIGNALS, endSessionCommand, PROCESS_TAG, signalCommand, TERMINAL_TAG, terminalShellCommand } from "./end-session-script";
import type { OutputPacer } from "./output-pacer";
import { PacedOutput } from "./paced-output";

/** The doors a shell is opened through, each counted apart on the open-terminals gauge (a fixed set: a label). */
export const SHELL_DOORS = ["web", "ssh"] as const;
export type ShellDoor = (typeof SHELL_DOORS)[number];

export interface ShellRequest {
  /** What to run; a login shell (in the wrapper that ends its session with it) when absent. */
  command?: string[];
  /** Whether it runs on a terminal (a PTY). */
  tty: boolean;
  /**
   * The client's terminal: its type (TERM) and size. The type is passed on even without a PTY (an SSH client
   * that asked for one and then for sftp); the size only with one.
   */
  terminal?: { type?: string; cols: number; rows: number };
  /** Variables the client's side asked for (a door checks them, see `mayPassVariable`). */
  env?: Record<string, string>;
  /** Its output held back by the portal's pacer while another terminal is typed into (a web terminal paces itself). */
  paced?: boolean;
  /** The gauge of open terminals it counts in; a helper the user did not open as a session (a relay) counts in none. */
  door?: ShellDoor;
  /** The tag of a shell held in the workspace that this one attaches to again (a terminal taken over); new otherwise. */
  tag?: string;
}

/** A shell or command started in a workspace, tagged so it (and all it started) can be found again. */
export interface Shell {
  /** In the process's environment; also the web terminal's id. */
  readonly tag: string;
  readonly process: ExecProcess;
  /** The instance of the workspace it runs in (and its machine): a move leaves it behind. */
  readonly at: RunningAt;
  /** What it prints (with a PTY, everything), through the pacer when pacing was asked. */
  readonly output: Readable;
  /** Its user typed: paced output is let go at once (a Ctrl-C must not wait). */
  typed(): void;
  /** Tells its terminal the new size: each is a Docker call, so a burst becomes one per interval, the latest size. */
  resize(cols: number, rows: number): Promise<void>;
  /** Sends a signal as sshd would; false (nothing sent) for one that may not be sent, or past a few per second. */
  signal(name: string): boolean;
  /** Ends it and everything it started (a closed terminal leaves no background job), then drops the connection. */
  end(): Promise<void>;
  /** Its process ended by itself before anybody used it: counted closed and its connection dropped (nothing to end). */
  abandon(): void;
}

// Client variables a shell may be given, as OpenSSH's AcceptEnv usually allows: locale, time zone, colours.
const VARIABLE_ALLOWED = /^(LANG|LC_[A-Z]+|TZ|COLORTERM)$/;
const MAX_VARIABLES = 32;
const MAX_VARIABLE_LENGTH = 256;
const DEFAULT_TERM = "xterm-256color";
const RESIZE_INTERVAL_MS = 250;
const SIGNALS_PER_SECOND = 5;

/** Whether a client's variable may be added to `env` (those it already asked for) for the shell it starts. */
export function mayPassVariable(env: Record<string, string>, key: string, value: string): boolean {
  return VARIABLE_ALLOWED.test(key) && Object.keys(env).length < MAX_VARIABLES && value.length <= MAX_VARIABLE_LENGTH;
}

/**
 * Starts every shell and command a user opens in their workspace, through any door (web terminals, SSH sessions,
 * `-L` relays), the same way: one environment, a tag, and `signal`/`end` that work although Docker can neither
 * signal an exec nor end what it started (see end-session-script). The doors decide when; this decides how.
 */
export class Shells {
  private readonly open = new Map<ShellDoor, number>(SHELL_DOORS.map((door) => [door, 0]));

  constructor(
    private readonly workspaces: Pick<WorkspaceManager, "exec" | "execWhere">,
    /** Shared by every door's terminals; null when output is never paced. */
    private readonly pacer: OutputPacer | null = null,
    private readonly now: () => number = Date.now,
    /** This portal process's id, carried by every shell it opens (see endOrphanedSessions); none on one alone. */
    private readonly processId: string | null = null,
  ) {}

  /** Starts it in the user's running workspace (a door makes sure the workspace runs first). */
  async start(user: PortalUser, request: ShellRequest): Promise<Shell> {
    const tag = request.tag ?? randomBytes(12).toString("base64url");
    const { terminal, tty } = request;
    const { process: proc, at } = await this.workspaces.execWhere(user, {
      cmd: request.command ?? terminalShellCommand(),
      tty,
      stdin: true,
      env: [
        ...(terminal ? [`TERM=${terminal.type || DEFAULT_TERM}`] : []),
        "LANG=C.UTF-8",
        ...Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`),
        `${TERMINAL_TAG}=${tag}`,
        ...(this.processId ? [`${PROCESS_TAG}=${this.processId}`] : []),
      ],
      ...(tty && terminal ? { cols: terminal.cols, rows: terminal.rows } : {}),
    });
    const paced = request.paced && this.pacer ? new PacedOutput(this.pacer) : null;
    const counted = request.door ? this.count(request.door) : () => {};
    const signals = new TokenBucket(SIGNALS_PER_SECOND, SIGNALS_PER_SECOND * 2, this.now);
    return new TaggedShell(tag, proc, at, paced, signals, counted, (cmd) => run(this.workspaces, user, cmd));
  }

  /** Runs a helper command in the user's running workspace to its end. */
  run(user: PortalUser, cmd: string[]): Promise<RunResult> {
    return run(this.workspaces, user, cmd);
  }

  /** Shells open now through each door, for the gauge. */
  openByDoor(): Record<ShellDoor, number> {
    return Object.fromEntries(this.open) as Record<ShellDoor, number>;
  }

  /** Counts one more open through `door`; the function returned (called once or more) counts it closed. */
  private count(door: ShellDoor): () => void {
    this.open.set(door, (this.open.get(door) ?? 0) + 1);
    let counted = true;
    return () => {
      if (!counted) return;
      counted = false;
      this.open.set(door, (this.open.get(door) ?? 1) - 1);
    };
  }
}

class TaggedShell implements Shell {
  readonly output: Readable;
  readonly resize: (cols: number, rows: number) => Promise<void>;

  constructor(
    readonly tag: string,
    readonly process: ExecProcess,
    readonly at: RunningAt,
    private readonly paced: PacedOutput | null,
    private readonly signals: TokenBucket,
    private readonly uncount: () => void,
    private readonly helper: (cmd: string[]) => Promise<unknown>,
  ) {
    this.output = paced ? process.stdout.pipe(paced) : process.stdout;
    const resize = latestWins(async ({ cols, rows }: { cols: number; rows: number }) => process.resize(cols, rows), RESIZE_INTERVAL_MS);
    this.resize = (cols, rows) => resize({ cols, rows });
  }

  typed(): void {
    this.paced?.typed();
  }

  signal(name: string): boolean {
    if (!DELIVERABLE_SIGNALS.has(name) || !this.signals.take()) return false;
    // The workspace may have stopped meanwhile: then there is nothing left to signal.
    void this.helper(signalCommand(this.tag, name)).catch(() => undefined);
    return true;
  }

  abandon(): void {
    this.uncount();
    this.paced?.destroy();
    this.process.detach();
  }

  async end(): Promise<void> {
    this.uncount();
    // Nobody reads it any more, even if its last output is never taken.
    this.paced?.destroy();
    try {
      await this.helper(endSessionCommand(this.tag));
    } finally {
      this.process.detach();
    }
  }
}
