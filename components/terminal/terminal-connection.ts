"use client";

import { io, type Socket } from "socket.io-client";

import {
  CLIENT_EVENTS,
  SERVER_EVENTS,
  TERMINAL_SOCKET_PATH,
  type Attached,
  type Exited,
  type Note,
  type Problem,
  type Progress,
  type TerminalHandshake,
  type TerminalSize,
} from "@/lib/terminal/socket-protocol";
import { AckBatcher } from "./ack-batcher";

// Below the server's per-message limit (MAX_INPUT_CHARS, 64 Ki characters).
const INPUT_CHUNK_CHARS = 16 * 1024;

export type ConnectionState = "connecting" | "starting" | "connected" | "reconnecting" | "ended";

export interface ConnectionEvents {
  attached(id: string): void;
  output(data: Uint8Array, rendered: () => void): void;
  /** The screen so far, on every (re)attach: whatever the terminal answers while drawing it is not input. */
  replay(data: Uint8Array, rendered: () => void): void;
  progress(message: string): void;
  state(state: ConnectionState, message?: string): void;
  /** The shell ended; `message` says why when the workspace was stopped under it. */
  exited(code: number, message?: string): void;
  /**
   * The workspace moved under the shell (it runs on elsewhere): `message` says so. The connection then asks for a
   * new terminal in the moved workspace by itself, on this same socket.
   */
  moved(message: string): void;
  /** A line about the workspace, not the shell's output (e.g. waiting to see whether it runs again). */
  note(message: string): void;
  /** The server refused or ended the terminal for good: `code` says why. */
  fatal(code: string, message: string): void;
  /** The terminal was closed on request (see closeTerminal). */
  closed(): void;
  /** Something the user should know that does not end the terminal (input refused, a bad request). */
  notice(message: string): void;
}

/**
 * One terminal's socket. It remembers the terminal id the server assigned, so socket.io's automatic reconnects
 * (network blip, laptop sleep, portal restart) ask for the same shell; rendered bytes are acknowledged for flow
 * control.
 */
export class TerminalConnection {
  private readonly socket: Socket;
  private id: string | undefined;
  private readonly acks = new AckBatcher((bytes) => {
    if (this.socket.connected) this.socket.emit(CLIENT_EVENTS.ack, bytes);
  });
  private closing = false;

  constructor(
    terminalId: string | undefined,
    size: () => TerminalSize,
    private readonly events: ConnectionEvents,
  ) {
    this.id = terminalId;
    this.socket = io(window.location.origin, {
      path: TERMINAL_SOCKET_PATH,
      transports: ["websocket"],
      reconnectionDelay: 300,
      reconnectionDelayMax: 4000,
      auth: (cb) => cb({ ...(this.id ? { terminalId: this.id } : {}), ...size() } satisfies TerminalHandshake),
    });
    events.state(terminalId ? "connecting" : "starting");
    this.socket.on(SERVER_EVENTS.attached, ({ id }: Attached) => {
      this.id = id;
      if (this.closing) return void this.socket.emit(CLIENT_EVENTS.closeTerminal);
      events.attached(id);
      events.state("connected");
    });
    this.socket.on(SERVER_EVENTS.output, (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      events.output(bytes, () => this.acks.rendered(bytes.length));
    });
    this.socket.on(SERVER_EVENTS.replay, (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      events.replay(bytes, () => this.acks.rendered(bytes.length));
    });
    this.socket.on(SERVER_EVENTS.progress, (p: Progress) => events.progress(p.message));
    this.socket.on(SERVER_EVENTS.exit, ({ code, message, moved }: Exited) => {
      if (moved === true && typeof message === "string" && !this.closing) return this.reopen(message);
      events.state("ended");
      events.exited(code, typeof message === "string" ? message : undefined);
    });
    this.socket.on(SERVER_EVENTS.fatal, ({ code, message }: Problem) => {
      // The workspace moved, or the portal process that held the shell stopped: a new terminal, told why.
      if ((code === "moved" || code === "owner_gone") && !this.closing) return this.reopen(message);
      events.state("ended", message);
      events.fatal(code, message);
    });
    this.socket.on(SERVER_EVENTS.note, ({ message }: Note) => events.note(message));
    this.socket.on(SERVER_EVENTS.problem, ({ message }: Problem) => events.notice(message));
    this.socket.on("disconnect", (reason) => {
      if (this.closing) return events.closed();
      if (reason !== "io server disconnect" && reason !== "io client disconnect") events.state("reconnecting");
    });
    this.socket.on("connect_error", (error) => {
      if (error.message === "Not signed in") {
        this.socket.disconnect();
        events.state("ended", "Your session has ended.");
        events.fatal("session_expired", "Your session has ended. Sign in again to continue.");
      } else {
        events.state("reconnecting");
      }
    });
  }

  /** Its shell's workspace moved: a new terminal there, asked for as soon as the server has closed this one. */
  private reopen(message: string): void {
    this.id = undefined;
    this.events.moved(message);
    this.events.state("starting");
    const again = () => {
      if (!this.closing) this.socket.connect();
    };
    if (this.socket.connected) this.socket.once("disconnect", again);
    else again();
  }

  get terminalId(): string | undefined {
    return this.id;
  }

  /** A large paste goes as several messages, each within what the server takes in one. */
  input(data: string): void {
    if (!this.socket.connected) return;
    for (let at = 0; at < data.length; ) {
      let end = Math.min(data.length, at + INPUT_CHUNK_CHARS);
      // Never split a surrogate pair: each half alone would arrive as U+FFFD.
      if (end < data.length && /[\uD800-\uDBFF]/.test(data[end - 1]!)) end -= 1;
      this.socket.emit(CLIENT_EVENTS.input, data.slice(at, end));
      at = end;
    }
  }

  resize(cols: number, rows: number): void {
    if (this.socket.connected) this.socket.emit(CLIENT_EVENTS.resize, { cols, rows } satisfies TerminalSize);
  }

  /**
   * Ends the shell and everything in it. Works at any moment, even before the server has said which terminal
   * this is: the request then goes out as soon as it has.
   */
  closeTerminal(): void {
    this.closing = true;
    if (this.id && this.socket.connected) this.socket.emit(CLIENT_EVENTS.closeTerminal);
    else if (this.id) {
      void fetch(`/api/terminals/${encodeURIComponent(this.id)}`, { method: "DELETE" }).finally(() => {
        this.socket.disconnect();
        this.events.closed();
      });
    } else if (!this.socket.connected) {
      // Never started on the server: nothing to end.
      this.socket.disconnect();
      this.events.closed();
    }
  }

  dispose(): void {
    this.acks.dispose();
    this.socket.disconnect();
  }
}
