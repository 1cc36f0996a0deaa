import { io, type Socket } from "socket.io-client";
import { OutputHub, type BenchTerminal, type Chunk, type TerminalSize } from "./bench-terminal";

// The browser's own acknowledgement logic, so the benchmark client acks exactly as the browser does.
import { AckBatcher } from "../../../components/terminal/ack-batcher";
import {
  CLIENT_EVENTS,
  SERVER_EVENTS,
  TERMINAL_SOCKET_PATH,
  type Attached,
  type Problem,
} from "../../../lib/terminal/socket-protocol";

/**
 * A portal terminal over socket.io, acknowledging output exactly as the browser does once xterm.js has written it
 * (here: on arrival, since nothing is rendered). A client that never acked would be paused at 1 MiB.
 */
export class PortalTerminal implements BenchTerminal {
  readonly kind = "portal" as const;
  /** The terminal id once the server has attached a shell; rejects on a refusal. */
  readonly attached: Promise<string>;
  private readonly socket: Socket;
  private readonly hub = new OutputHub();
  private readonly acks = new AckBatcher((bytes) => {
    if (this.socket.connected) this.socket.emit(CLIENT_EVENTS.ack, bytes);
  });
  private id: string | null = null;

  constructor(url: string, cookie: string, size: TerminalSize, terminalId?: string) {
    this.socket = io(url, {
      path: TERMINAL_SOCKET_PATH,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie, origin: new URL(url).origin },
      auth: { ...size, ...(terminalId ? { terminalId } : {}) },
    });
    this.attached = new Promise((resolve, reject) => {
      this.socket.once(SERVER_EVENTS.attached, ({ id }: Attached) => {
        this.id = id;
        resolve(id);
      });
      this.socket.once(SERVER_EVENTS.fatal, ({ code, message }: Problem) => reject(new Error(`portal refused the terminal (${code}): ${message}`)));
      this.socket.once("connect_error", (error) => reject(new Error(`portal socket: ${error.message}`)));
    });
    this.attached.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    for (const event of [SERVER_EVENTS.output, SERVER_EVENTS.replay]) {
      this.socket.on(event, (data: Buffer) => {
        this.acks.rendered(data.length);
        this.hub.emit(data);
      });
    }
  }

  send(data: string): void {
    this.socket.emit(CLIENT_EVENTS.input, data);
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.hub.on(listener);
  }

  /** close-terminal ends the shell and its whole session server-side, then the server drops the socket. */
  async close(): Promise<void> {
    this.acks.dispose();
    if (this.id && this.socket.connected) {
      const gone = new Promise<void>((resolve) => this.socket.once("disconnect", () => resolve()));
      this.socket.emit(CLIENT_EVENTS.closeTerminal);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    }
    this.socket.disconnect();
  }
}
