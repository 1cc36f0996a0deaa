import type { Logger } from "pino";
import type { PseudoTtyInfo, ServerChannel, Session } from "ssh2";
import type { RegisteredUser } from "../../lib/identity/registry";
import type { ActivityTracker } from "../../lib/activity/activity-tracker";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import { INTERNAL, problemOf } from "../../lib/errors/problem";
import { isWorkspaceError } from "../../lib/errors/workspace-errors";
import { mayPassVariable, type Shell, type Shells } from "../../lib/terminal/shells";
import type { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import type { WorkspaceManager } from "../../lib/workspace/manager";
import { endingMessage, MOVED_EXIT_STATUS, type SessionEndings } from "../../lib/terminal/session-endings";
import { MAX_COLS, MAX_ROWS } from "../../lib/terminal/socket-protocol";
import { bridge } from "./exec-bridge";

const SFTP_SERVER = "/usr/lib/openssh/sftp-server";

/** What one SSH session reads of the portal: the workspace to start, its shells, the user's allowance, why it ended. */
export interface SessionDeps {
  workspaces: Pick<WorkspaceManager, "ensureRunning">;
  shells: Pick<Shells, "start">;
  terminalAllowance: Pick<TerminalAllowance, "start">;
  activity: Pick<ActivityTracker, "touch">;
  endings: Pick<SessionEndings, "follow">;
  metrics: Pick<PortalMetrics, "errors" | "sshSessions">;
}

/**
 * One SSH "session" channel mapped onto one shell (lib/terminal/shells), request by request, as ContainerSSH does:
 * pty and env are remembered, then shell, exec or the sftp subsystem starts it; window-change and signal act on
 * it, and the channel's close ends it.
 */
export function handleSession(portal: SessionDeps, user: RegisteredUser, session: Session, log: Logger, refusal: string | null = null): void {
  const env: Record<string, string> = {};
  let pty: PseudoTtyInfo | null = null;
  let shell: Shell | null = null;
  let started = false;

  /** `command` undefined: a login shell. */
  const run = async (channel: ServerChannel, command: string[] | undefined, tty: boolean, kind: string) => {
    try {
      const gone = new AbortController();
      channel.once("close", () => gone.abort());
      // A running workspace answers at once (one inspect); a stopped one says what it is doing meanwhile.
      await portal.workspaces.ensureRunning(
        user,
        (p) => {
          if (p.step === "queued" || p.step === "starting" || p.step === "creating") channel.stderr.write(`${p.message}...\r\n`);
        },
        gone.signal,
      );
      const opened = await portal.shells.start(user, {
        ...(command ? { command } : {}),
        tty,
        // A web terminal's bounds: an absurd size is clamped, not passed on to Docker.
        ...(pty ? { terminal: { type: pty.term, cols: clamp(pty.cols, MAX_COLS), rows: clamp(pty.rows, MAX_ROWS) } } : {}),
        env,
        // An interactive shell is paced like a web terminal; exec, scp, sftp and rsync are bulk transfers a user
        // asked for, and run at full speed.
        paced: tty,
        door: "ssh",
      });
      if (gone.signal.aborted) {
        // The client left while the shell was starting: the channel's close found nothing to end, so end it here.
        await opened.end().catch(() => undefined);
        return;
      }
      shell = opened;
      log.info({ user: user.username, kind }, "ssh session started");
      // Traffic either way is use of the workspace: an SSH session doing work keeps it from the idle stop.
      const used = () => portal.activity.touch(user.sub, "ssh");
      channel.on("data", used);
      opened.process.stdout.on("data", used);
      channel.on("data", () => opened.typed());
      // A session the workspace's stop or move ended says why before it closes, instead of just dropping the user;
      // a move also ends a shell whose stream would never say so (its machine cut off).
      let moved: () => void = () => {};
      const movedAway = new Promise<number>((resolve) => (moved = () => resolve(-1)));
      const ending = portal.endings.follow(user, opened.at, () => {
        void opened.end().catch(() => undefined);
        moved();
      });
      channel.once("close", () => ending.release());
      const lastWords = async (waiting: (message: string) => void, code: number) => {
        const why = await ending.why(waiting, code);
        ending.release();
        if (!why) return undefined;
        return { message: endingMessage(why, "ssh"), ...(why.kind === "moved" ? { code: MOVED_EXIT_STATUS } : {}) };
      };
      await bridge(channel, opened, lastWords, movedAway);
    } catch (error) {
      const { code, message } = problemOf(error, "The workspace could not run this session.");
      portal.metrics.errors.inc({ code });
      if (code === INTERNAL) log.error({ err: error, user: user.username }, "ssh session failed");
      if (channel.writable) {
        channel.stderr.write(`${message}\r\n`);
        channel.exit(255);
        channel.end();
      }
    }
  };

  const start = (accept: () => ServerChannel, command: string[] | undefined, tty: boolean, kind: string) => {
    if (started) return;
    started = true;
    const channel = accept();
    // Past the user's limits nothing is made in the workspace; the client is told why and how long to wait.
    const refused = refusal ?? startRefused(portal, user);
    if (refused) {
      log.info({ user: user.username, kind }, "ssh session refused: past the user's terminal limits");
      channel.stderr.write(`${refused}\r\n`);
      channel.exit(1);
      channel.end();
      return;
    }
    portal.metrics.sshSessions.inc();
    channel.once("close", () => portal.metrics.sshSessions.dec());
    // Whatever the client does (disconnect, ^C at the ssh prompt, network drop), nothing it started stays behind.
    // (The workspace may have stopped meanwhile: then nothing is left to end.)
    channel.once("close", () => void shell?.end().catch(() => undefined));
    void run(channel, command, tty, kind);
  };

  session.on("pty", (accept, reject, info) => {
    if (started) return reject?.();
    pty = info;
    accept?.();
  });
  session.on("window-change", (accept, reject, info) => {
    if (pty) pty = { ...pty, cols: info.cols, rows: info.rows };
    if (shell && info.cols > 0 && info.rows > 0) void shell.resize(clamp(info.cols, MAX_COLS), clamp(info.rows, MAX_ROWS));
    accept?.();
  });
  session.on("env", (accept, reject, info) => {
    if (started || !mayPassVariable(env, info.key, info.val)) return reject?.();
    env[info.key] = info.val;
    accept?.();
  });
  session.on("shell", (accept) => start(accept, undefined, pty !== null, "shell"));
  session.on("exec", (accept, reject, info) => {
    if (info.command.length > 64 * 1024) return reject?.();
    start(accept, ["bash", "-c", info.command], pty !== null, "exec");
  });
  session.on("subsystem", (accept, reject, info) => {
    if (info.name !== "sftp") return reject?.();
    start(accept, [SFTP_SERVER], false, "sftp");
  });
  session.on("signal", (accept, reject, info) => {
    if (!shell?.signal(info.name)) return reject?.();
    accept?.();
  });
  // Agent and X11 forwarding would hand the workspace a way into the user's own machine: refused.
  session.on("auth-agent", (accept, reject) => reject?.());
  session.on("x11", (accept, reject) => reject?.());
}

const clamp = (value: number, max: number) => Math.min(max, Math.max(1, value));

/** Spends one of the user's starts (shared with web terminals and relays); the reason when none is left. */
function startRefused(portal: SessionDeps, user: RegisteredUser): string | null {
  try {
    portal.terminalAllowance.start(user.sub);
    return null;
  } catch (error) {
    if (isWorkspaceError(error)) return error.message;
    throw error;
  }
}
