import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Server as EngineServer } from "engine.io";
import type { Logger } from "pino";
import { Server as IoServer, type Socket } from "socket.io";
import { sameOrigin } from "../../lib/auth/same-origin";
import type { SessionUser } from "../../lib/auth/session-user";
import { formatByteSize } from "../../lib/config/size";
import type { AuthService } from "../../lib/auth/auth-service";
import type { PortalConfig } from "../../lib/config/env";
import type { PortalMetrics } from "../../lib/metrics/metrics";
import type { TerminalService } from "../../lib/terminal/terminal-service";
import type { StopNotices } from "../../lib/workspace/stop-notices";
import { InputBudget } from "../../lib/terminal/input-budget";
import type { TerminalClient, TerminalSession } from "../../lib/terminal/terminal-session";
import { INTERNAL, problemOf } from "../../lib/errors/problem";
import { stopMessage } from "../../lib/workspace/stop-notices";
import { endingMessage } from "../../lib/terminal/session-endings";
import {
  CLIENT_EVENTS,
  SERVER_EVENTS,
  TERMINAL_SOCKET_PATH,
  type Attached,
  type Exited,
  type Note,
  type Problem,
  type Progress,
  type TerminalSize,
} from "../../lib/terminal/socket-protocol";
import { ackSchema, describe, handshakeSchema, inputSchema, sizeSchema } from "./messages";
import { NOT_THE_HOLDER, relayTerminal, type Relay } from "./terminal-relay";
import { RELAY_HEADER, type RelayTokens } from "../../lib/terminal/relay-token";
import type { TerminalDirectory } from "../../lib/terminal/terminal-directory";

/** What the terminal door reads of the portal: the session check, the terminals, why a workspace stopped. */
export interface TerminalSocketDeps {
  config: Pick<PortalConfig, "publicUrl"> & { terminal: Pick<PortalConfig["terminal"], "inputBytesPerSecond"> };
  auth: Pick<AuthService, "userFromCookieHeader" | "onSessionEnded">;
  terminals: Pick<TerminalService, "create" | "get" | "close" | "endingOf" | "adopt">;
  stops: Pick<StopNotices, "get">;
  metrics: Pick<PortalMetrics, "errors">;
  /** Where processes share the store: the list of who holds which terminal, and the tokens they vouch with. */
  terminalForwarding?: {
    directory: Pick<TerminalDirectory, "ownerOf" | "forgetGone" | "processId">;
    tokens: Pick<RelayTokens, "sign" | "verify">;
  } | null;
}

/** `relayedTerminal`: the connection is another process forwarding a browser for this terminal of the user's. */
type AuthedRequest = IncomingMessage & { portalUser?: SessionUser; relayedTerminal?: string; relayedOwner?: string };

/** Why a terminal the browser comes back to is no more, when the process that held it stopped. */
export const OWNER_GONE_MESSAGE = "This terminal ended because its portal server stopped. A new terminal is opened.";
// Forwarded terminals one process carries for one user: a user may hold no more terminals than this anyway.
const MAX_RELAYS_PER_USER = 64;

// setTimeout fires at once for anything above 2^31-1 ms; no session lives that long.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Keystrokes, acknowledgements and resizes together; a fast typist sends tens a second, a paste one.
const MESSAGES_PER_SECOND = 500;
const KNOWN_EVENTS = new Set<string>(Object.values(CLIENT_EVENTS));

/**
 * socket.io for terminals, on an engine.io server of our own so the portal's router (not engine.io's
 * attach, which destroys upgrades it does not own) decides what reaches it. Every handshake is checked for the
 * portal's Origin and a valid session before a socket exists.
 */
export function createTerminalSockets(portal: TerminalSocketDeps, log: Logger) {
  const origin = portal.config.publicUrl.origin;
  const engine = new EngineServer({
    transports: ["websocket"],
    maxHttpBufferSize: 1024 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    allowRequest: (req, callback) => {
      // Another portal process forwarding a browser: its token stands for the user's session, for one terminal.
      const relay = req.headers[RELAY_HEADER];
      if (relay !== undefined) {
        const vouched = typeof relay === "string" ? portal.terminalForwarding?.tokens.verify(relay) : null;
        if (!vouched) {
          log.warn("terminal relay refused: bad token");
          return callback("Relay not allowed", false);
        }
        (req as AuthedRequest).portalUser = vouched.user;
        (req as AuthedRequest).relayedTerminal = vouched.terminalId;
        (req as AuthedRequest).relayedOwner = vouched.owner;
        return callback(null, true);
      }
      if (!sameOrigin(origin, { origin: req.headers.origin }, "refused")) {
        log.debug({ origin: req.headers.origin }, "terminal socket refused: foreign origin");
        return callback("Origin not allowed", false);
      }
      portal.auth
        .userFromCookieHeader(req.headers.cookie)
        .then((user) => {
          if (!user) {
            log.debug("terminal socket refused: no valid session");
            return callback("Not signed in", false);
          }
          (req as AuthedRequest).portalUser = user;
          callback(null, true);
        })
        .catch(() => callback("Session check failed", false));
    },
  });
  const io = new IoServer({ serveClient: false, path: TERMINAL_SOCKET_PATH });
  io.bind(engine as never);
  // Signing out (or an account disabled) ends the terminal sockets opened under it at once, not at their expiry.
  portal.auth.onSessionEnded(({ sid, sub }) => {
    for (const socket of io.sockets.sockets.values()) {
      const user = (socket.request as AuthedRequest).portalUser;
      if (!user || !((sid && user.sid === sid) || (sub && user.sub === sub))) continue;
      socket.emit(SERVER_EVENTS.fatal, { code: "session_expired", message: "Your session has ended. Sign in again to continue." } satisfies Problem);
      socket.disconnect(true);
    }
  });
  const relays = new Map<string, number>();
  io.on("connection", (socket) => {
    try {
      onConnection(portal, log, socket, relays);
    } catch (error) {
      log.error({ err: error }, "terminal connection failed");
      socket.disconnect(true);
    }
  });

  return {
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => engine.handleUpgrade(req, socket, head),
    handleRequest: (req: IncomingMessage, res: ServerResponse) => engine.handleRequest(req, res),
    close: () => {
      io.close();
      engine.close();
    },
  };
}

function onConnection(portal: TerminalSocketDeps, log: Logger, socket: Socket, relays: Map<string, number>): void {
  const user = (socket.request as AuthedRequest).portalUser!;
  const relayedIn = (socket.request as AuthedRequest).relayedTerminal;
  const fail = (problem: Problem) => {
    socket.emit(SERVER_EVENTS.fatal, problem);
    socket.disconnect(true);
  };
  const handshake = handshakeSchema.safeParse(socket.handshake.auth);
  if (!handshake.success) return fail({ code: "bad_request", message: `Bad terminal request: ${describe(handshake.error)}` });
  const { terminalId, cols, rows } = handshake.data;
  // A forwarded connection is for the terminal its token names, never a new shell or another terminal.
  if (relayedIn !== undefined && terminalId !== relayedIn) return fail({ code: "bad_request", message: "Bad terminal request: not the terminal vouched for." });
  // Forwarded to the address of a process that has since been restarted: the holder is gone, say so to the relay.
  if (relayedIn !== undefined && (socket.request as AuthedRequest).relayedOwner !== portal.terminalForwarding?.directory.processId) {
    return fail({ code: NOT_THE_HOLDER, message: "This portal process does not hold that terminal." });
  }

  let session: TerminalSession | null = null;
  /** Set instead of `session` when the shell is held by another process: everything the browser sends goes there. */
  let relay: Relay | null = null;
  const client: TerminalClient = {
    output: (data) => socket.emit(SERVER_EVENTS.output, data),
    replay: (data) => socket.emit(SERVER_EVENTS.replay, data),
    displaced: () => fail({ code: "displaced", message: "This terminal was opened in another window." }),
    exited: (code, ending) => {
      // A shell ended by the workspace's stop or move says why, and what to do, instead of just "ended".
      const why = ending ? { message: endingMessage(ending, "web"), ...(ending.kind === "moved" ? { moved: true } : {}) } : {};
      socket.emit(SERVER_EVENTS.exit, { code, ...why } satisfies Exited);
      socket.disconnect(true);
    },
    note: (message) => socket.emit(SERVER_EVENTS.note, { message } satisfies Note),
  };
  const problem = (message: string) => socket.emit(SERVER_EVENTS.problem, { code: "bad_request", message } satisfies Problem);

  // The session's end is the connection's end; the shell itself waits out its grace period for a reconnect.
  if (user.expiresAt) {
    const timer = setTimeout(
      () => fail({ code: "session_expired", message: "Your session has ended. Sign in again to continue." }),
      Math.min(MAX_TIMER_MS, Math.max(0, user.expiresAt - Date.now())),
    );
    timer.unref();
    socket.on("disconnect", () => clearTimeout(timer));
  }

  // A client gets a budget of messages and of input bytes far above any typist's, window's or paste's needs; past
  // it, messages are refused (never queued) and the client told once a second, so a script flooding the socket
  // costs its own terminal, not the portal.
  const budget = new InputBudget({ messagesPerSecond: MESSAGES_PER_SECOND, bytesPerSecond: portal.config.terminal.inputBytesPerSecond });
  let toldAt = 0;
  const tell = (code: string, message: string) => {
    if (Date.now() - toldAt < 1000) return;
    toldAt = Date.now();
    socket.emit(SERVER_EVENTS.problem, { code, message } satisfies Problem);
  };
  socket.use(([event, data], next) => {
    const admission = budget.admit(String(event), data);
    if (admission === "ok") return next();
    if (admission === "too_many_bytes") {
      const rate = formatByteSize(budget.options.bytesPerSecond);
      tell("rate_limited", `Too much input at once (more than ${rate} a second): some of what was sent did not reach the shell.`);
    } else if (event === CLIENT_EVENTS.input) {
      tell("rate_limited", `Too many messages at once (more than ${MESSAGES_PER_SECOND} a second): some of what was sent did not reach the shell.`);
    }
  });
  socket.onAny((event: string) => {
    if (!KNOWN_EVENTS.has(event)) problem(`Unknown terminal event "${String(event).slice(0, 40)}".`);
  });
  socket.on(CLIENT_EVENTS.input, (data: unknown) => {
    const parsed = inputSchema.safeParse(data);
    if (!parsed.success) return problem(`Input refused: ${describe(parsed.error)}`);
    relay?.send(CLIENT_EVENTS.input, parsed.data);
    if (session?.input(client, parsed.data) === "backlog") {
      tell("input_backlog", "The program in this terminal is not reading its input, so what you type is not being sent. Press Ctrl-C or wait for it.");
    }
  });
  socket.on(CLIENT_EVENTS.resize, (size: unknown) => {
    const parsed = sizeSchema.safeParse(size);
    if (!parsed.success) return problem(`Resize refused: ${describe(parsed.error)}`);
    relay?.send(CLIENT_EVENTS.resize, parsed.data);
    void session?.resize(parsed.data);
  });
  socket.on(CLIENT_EVENTS.ack, (bytes: unknown) => {
    const parsed = ackSchema.safeParse(bytes);
    if (!parsed.success) return;
    relay?.send(CLIENT_EVENTS.ack, parsed.data);
    session?.ack(client, parsed.data);
  });
  socket.on(CLIENT_EVENTS.closeTerminal, () => {
    relay?.send(CLIENT_EVENTS.closeTerminal, undefined);
    const id = session?.id;
    session = null;
    if (id) void portal.terminals.close(user, id).finally(() => socket.disconnect(true));
  });
  socket.on("disconnect", () => {
    session?.detach(client);
    relay?.close();
  });

  void (async () => {
    try {
      let target: TerminalSession;
      if (terminalId) {
        const existing = portal.terminals.get(user, terminalId);
        if (!existing) {
          // Its process stopped: the shell is taken over here if the workspace holds it, else a new one is opened.
          const ownerGone = async () => {
            const adopted = await portal.terminals.adopt(user, terminalId, { cols, rows }).catch((error: unknown) => {
              log.warn({ err: error, terminal: terminalId }, "could not take over a held terminal");
              return null;
            });
            if (socket.disconnected) return;
            if (!adopted) return fail({ code: "owner_gone", message: OWNER_GONE_MESSAGE });
            relay = null;
            socket.emit(SERVER_EVENTS.attached, { id: adopted.id } satisfies Attached);
            session = adopted;
            adopted.attach(client, { cols, rows });
          };
          const forwarded = relayedIn === undefined ? await forward(portal, log, socket, user, { terminalId, cols, rows }, relays, fail, ownerGone) : null;
          if (forwarded === "ended") return;
          if (forwarded) return void (relay = forwarded);
          if (socket.disconnected) return;
          // A page that was away (asleep, offline) while the workspace was stopped or moved learns why on its return.
          const ending = portal.terminals.endingOf(user, terminalId);
          if (ending?.kind === "moved") return fail({ code: "moved", message: endingMessage(ending, "web") });
          const stopped = portal.stops.get(user.sub);
          const message = stopped ? stopMessage(stopped, "web") : "This terminal has ended (closed, timed out, or the portal restarted).";
          return fail({ code: "gone", message });
        }
        target = existing;
      } else {
        target = await portal.terminals.create(user, { cols, rows }, (p: Progress) => socket.emit(SERVER_EVENTS.progress, p));
      }
      if (socket.disconnected) {
        // Made for a browser that left before it learnt the id: nobody can ever reattach, so end it now.
        if (!terminalId) void portal.terminals.close(user, target.id);
        return;
      }
      socket.emit(SERVER_EVENTS.attached, { id: target.id } satisfies Attached);
      session = target;
      target.attach(client, { cols, rows });
    } catch (error) {
      const { code, message } = problemOf(error, "The terminal could not start. Try again.");
      if (code === INTERNAL) log.error({ err: error, user: user.username }, "terminal start failed");
      portal.metrics.errors.inc({ code });
      fail({ code, message });
    }
  })();
}

/**
 * Forwards the browser to the process holding its terminal, if another one lists it; null when none does (or the
 * list cannot be read: then the terminal is treated as this process would treat an unknown one). A holder that
 * cannot be reached has stopped: the browser hears so and opens a new terminal.
 */
async function forward(
  portal: TerminalSocketDeps,
  log: Logger,
  socket: Socket,
  user: SessionUser,
  handshake: TerminalSize & { terminalId: string },
  relays: Map<string, number>,
  fail: (problem: Problem) => void,
  ownerGone: () => Promise<void>,
): Promise<Relay | "ended" | null> {
  const forwarding = portal.terminalForwarding;
  if (!forwarding) return null;
  const owner = await forwarding.directory.ownerOf(user.sub, handshake.terminalId).catch((error: unknown) => {
    log.warn({ err: error }, "could not read the list of open terminals");
    return null;
  });
  if (!owner || socket.disconnected) return null;
  const held = relays.get(user.sub) ?? 0;
  if (held >= MAX_RELAYS_PER_USER) {
    fail({ code: "too_many", message: "Too many terminals are open at once in this account." });
    return "ended";
  }
  relays.set(user.sub, held + 1);
  let counted = true;
  const uncount = () => {
    if (!counted) return;
    counted = false;
    const left = (relays.get(user.sub) ?? 1) - 1;
    if (left > 0) relays.set(user.sub, left);
    else relays.delete(user.sub);
  };
  socket.on("disconnect", uncount);
  const token = forwarding.tokens.sign(user, handshake.terminalId, owner.process);
  log.debug({ terminal: handshake.terminalId, owner: owner.address }, "forwarding a terminal to the process holding it");
  return relayTerminal(
    socket,
    { address: owner.address, token, handshake },
    {
      gone: () => {
        uncount();
        void forwarding.directory
          .forgetGone(handshake.terminalId, owner.process)
          .then(ownerGone)
          .catch(() => fail({ code: "owner_gone", message: OWNER_GONE_MESSAGE }));
      },
      // Dropped on the way (the holder died meanwhile): the browser reconnects, and learns what became of it.
      lost: () => {
        uncount();
        socket.conn.close();
      },
    },
    log,
  );
}
