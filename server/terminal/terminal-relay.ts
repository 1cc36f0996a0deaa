import type { Logger } from "pino";
import type { Socket } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { RELAY_HEADER } from "../../lib/terminal/relay-token";
import { SERVER_EVENTS, TERMINAL_SOCKET_PATH, type TerminalHandshake } from "../../lib/terminal/socket-protocol";

/** What the browser's side of a relay sends on (already checked against the protocol by the terminal door). */
export interface Relay {
  send(event: string, data: unknown): void;
  close(): void;
}

export interface RelayTarget {
  /** The holding process's internal address, from the shared list (never from the client). */
  address: string;
  /** The token vouching for the user and this terminal (lib/terminal/relay-token). */
  token: string;
  handshake: TerminalHandshake & { terminalId: string };
}

/** What a process answers a relay for a terminal it does not hold (it restarted on the holder's address). */
export const NOT_THE_HOLDER = "not_the_holder";

// The holder is on the same network: a connect slower than this means it is not there (a cut-off host).
const CONNECT_TIMEOUT_MS = 5_000;
// What a vanished process looks like from here: nothing listens, or nothing answers.
const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|timeout/i;

/**
 * Carries one browser's terminal socket to the portal process holding its shell, over a socket.io connection of
 * the portal's own (websocket, no reconnection). Everything the holder sends is passed on as is; the browser's
 * messages go on only once the holder has accepted the connection, so nothing queues here meanwhile. Flow control
 * stays end to end: the holder sends no more than the browser has acknowledged, through this relay.
 *
 * `gone` is called when the holder cannot be reached at all (its process died); `lost` when a connection that
 * worked drops without the holder ending the terminal (the same, later): the browser then reconnects, as it would
 * had it been talking to the holder directly.
 */
export function relayTerminal(browser: Socket, target: RelayTarget, hooks: { gone(): void; lost(): void }, log: Logger): Relay {
  const upstream: ClientSocket = connect(target.address, {
    path: TERMINAL_SOCKET_PATH,
    transports: ["websocket"],
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth: target.handshake,
    extraHeaders: { [RELAY_HEADER]: target.token },
  });
  let ended = false; // the holder said the terminal ended (exit, fatal): its disconnect is the terminal's end
  let closed = false;
  for (const event of Object.values(SERVER_EVENTS)) {
    upstream.on(event, (data: unknown) => {
      if (event === SERVER_EVENTS.fatal && (data as { code?: unknown } | null)?.code === NOT_THE_HOLDER) {
        if (closed) return;
        closed = true;
        upstream.close();
        return hooks.gone();
      }
      if (event === SERVER_EVENTS.exit || event === SERVER_EVENTS.fatal) ended = true;
      browser.emit(event, data);
    });
  }
  upstream.on("connect_error", (error: Error & { description?: unknown }) => {
    if (closed) return;
    closed = true;
    upstream.close();
    const why = `${error.message} ${describeCause(error.description)}`;
    log.info({ why, owner: target.address }, "the process holding the terminal could not be reached");
    if (UNREACHABLE.test(why)) hooks.gone();
    else hooks.lost();
  });
  upstream.on("disconnect", () => {
    if (closed) return;
    closed = true;
    if (ended) browser.disconnect(true);
    else hooks.lost();
  });
  return {
    send: (event, data) => {
      if (upstream.connected) upstream.emit(event, data);
    },
    close: () => {
      closed = true;
      upstream.close();
    },
  };
}

function describeCause(description: unknown): string {
  if (description instanceof Error) return description.message;
  if (description && typeof description === "object" && "error" in description) return describeCause((description as { error: unknown }).error);
  if (description && typeof description === "object" && "message" in description) return String((description as { message: unknown }).message);
  return String(description ?? "");
}
