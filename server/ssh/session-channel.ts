import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { PseudoTtyInfo, ServerChannel, Session } from "ssh2";
import type { RegisteredUser } from "../../lib/identity/registry";
import type { Portal } from "../../lib/portal";
import type { ExecProcess } from "../../lib/runtime/runtime";
import {
  DELIVERABLE_SIGNALS,
  endSessionCommand,
  signalCommand,
  TERMINAL_TAG,
  terminalShellCommand,
} from "../../lib/terminal/end-session-script";
import { PacedOutput } from "../../lib/terminal/paced-output";
import { latestWins } from "../../lib/util/latest-wins";
import { TokenBucket } from "../../lib/util/token-bucket";
import { isWorkspaceError } from "../../lib/workspace/errors";
import { stopMessage } from "../../lib/workspace/stop-notices";
import { MAX_COLS, MAX_ROWS } from "../terminal/messages";
import { bridge } from "./exec-bridge";
import { runQuietly } from "./run-quietly";

const SFTP_SERVER = "/usr/lib/openssh/sftp-server";
const ENV_ALLOWED = /^(LANG|LC_[A-Z]+|TZ|COLORTERM)$/;
const MAX_ENV = 32;
const RESIZE_INTERVAL_MS = 250;
const SIGNALS_PER_SECOND = 5;


/**
 * One SSH "session" channel mapped onto one `docker exec`, request by request, as ContainerSSH does: pty and env
 * are remembered, then shell, exec or the sftp subsystem starts the process; window-change and signal act on it.
 */
export function handleSession(portal: Portal, user: RegisteredUser, session: Session, log: Logger, refusal: string | null = null): void {
  const tag = randomBytes(12).toString("base64url");
  const env: Record<string, string> = {};
  let pty: PseudoTtyInfo | null = null;
  let proc: ExecProcess | null = null;
  let started = false;

  const run = async (channel: ServerChannel, cmd: string[], tty: boolean, kind: string) => {
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
      proc = await portal.workspaces.exec(user, {
        cmd,
        tty,
        stdin: true,
        env: [
          ...(pty ? [`TERM=${pty.term || "xterm-256color"}`] : []),
          "LANG=C.UTF-8",
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          `${TERMINAL_TAG}=${tag}`,
        ],
        // A web terminal's bounds: an absurd size is clamped, not passed on to Docker.
        ...(tty && pty ? { cols: clamp(pty.cols, MAX_COLS), rows: clamp(pty.rows, MAX_ROWS) } : {}),
      });
      log.info({ user: user.username, kind }, "ssh session started");
      // Traffic either way is use of the workspace: an SSH session doing work keeps it from the idle stop.
      const used = () => portal.activity.touch(user.sub, "ssh");
      channel.on("data", used);
      proc.stdout.on("data", used);
      // An interactive shell is paced like a web terminal; exec, scp, sftp and rsync are bulk transfers a user
      // asked for, and run at full speed.
      const paced = tty && portal.pacer ? new PacedOutput(portal.pacer) : null;
      if (paced) {
        channel.on("data", () => paced.typed());
        // The session is no longer open to anyone, even if the shell's last output is never read.
        channel.once("close", () => paced.destroy());
      }
      // A session the workspace's stop ended says why before it closes, instead of just dropping the user.
      const lastWords = () => {
        const stopped = portal.stops.get(user.sub);
        return stopped ? stopMessage(stopped, "ssh") : undefined;
      };
      await bridge(channel, proc, paced ?? undefined, lastWords);
    } catch (error) {
      const message = isWorkspaceError(error) ? error.message : "The workspace could not run this session.";
      portal.metrics.errors.inc({ code: isWorkspaceError(error) ? error.code : "internal" });
      if (!isWorkspaceError(error)) log.error({ err: error, user: user.username }, "ssh session failed");
      if (channel.writable) {
        channel.stderr.write(`${message}\r\n`);
        channel.exit(255);
        channel.end();
      }
    }
  };

  const start = (accept: () => ServerChannel, cmd: string[], tty: boolean, kind: string) => {
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
    channel.once("close", () => void endProcesses(portal, user, tag, proc));
    void run(channel, cmd, tty, kind);
  };

  session.on("pty", (accept, reject, info) => {
    if (started) return reject?.();
    pty = info;
    accept?.();
  });
  // Each resize and each signal is a Docker call: a client sending thousands gets a few per second.
  const resize = latestWins(async ({ cols, rows }: { cols: number; rows: number }) => proc?.resize(cols, rows), RESIZE_INTERVAL_MS);
  const signals = new TokenBucket(SIGNALS_PER_SECOND, SIGNALS_PER_SECOND * 2);
  session.on("window-change", (accept, reject, info) => {
    if (pty) pty = { ...pty, cols: info.cols, rows: info.rows };
    if (proc && info.cols > 0 && info.rows > 0) void resize({ cols: clamp(info.cols, MAX_COLS), rows: clamp(info.rows, MAX_ROWS) });
    accept?.();
  });
  session.on("env", (accept, reject, info) => {
    if (started || !ENV_ALLOWED.test(info.key) || Object.keys(env).length >= MAX_ENV || info.val.length > 256) return reject?.();
    env[info.key] = info.val;
    accept?.();
  });
  session.on("shell", (accept) => start(accept, terminalShellCommand(), pty !== null, "shell"));
  session.on("exec", (accept, reject, info) => {
    if (info.command.length > 64 * 1024) return reject?.();
    start(accept, ["bash", "-c", info.command], pty !== null, "exec");
  });
  session.on("subsystem", (accept, reject, info) => {
    if (info.name !== "sftp") return reject?.();
    start(accept, [SFTP_SERVER], false, "sftp");
  });
  session.on("signal", (accept, reject, info) => {
    if (!proc || !DELIVERABLE_SIGNALS.has(info.name) || !signals.take()) return reject?.();
    accept?.();
    void runQuietly(portal, user, signalCommand(tag, info.name));
  });
  // Agent and X11 forwarding would hand the workspace a way into the user's own machine: refused.
  session.on("auth-agent", (accept, reject) => reject?.());
  session.on("x11", (accept, reject) => reject?.());
}

const clamp = (value: number, max: number) => Math.min(max, Math.max(1, value));

/** Spends one of the user's starts (shared with web terminals and relays); the reason when none is left. */
function startRefused(portal: Portal, user: RegisteredUser): string | null {
  try {
    portal.terminalAllowance.start(user.sub);
    return null;
  } catch (error) {
    if (isWorkspaceError(error)) return error.message;
    throw error;
  }
}

async function endProcesses(portal: Portal, user: RegisteredUser, tag: string, proc: ExecProcess | null): Promise<void> {
  if (!proc) return;
  await runQuietly(portal, user, endSessionCommand(tag));
  proc.detach();
}
