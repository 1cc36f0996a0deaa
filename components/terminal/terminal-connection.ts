"use client";

import { io, type Socket } from "socket.io-client";

import { AckBatcher } from "./ack-batcher";

export const TERMINAL_SOCKET_PATH = "/terminal-io";
// Below the server's per-message limit (64 Ki characters).
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
    if (this.socket.connected) this.socket.emit("ack", bytes);
  });
  private closing = false;

  constructor(
    terminalId: string | undefined,
    size: () => { cols: number; rows: number },
    private readonly events: ConnectionEvents,
  ) {
    this.id = terminalId;
    this.socket = io(window.location.origin, {
      path: TERMINAL_SOCKET_PATH,
      transports: ["websocket"],
      reconnectionDelay: 300,
      reconnectionDelayMax: 4000,
      auth: (cb) => cb({ ...(this.id ? { terminalId: this.id } : {}), ...size() }),
    });
    events.state(terminalId ? "connecting" : "starting");
    this.socket.on("attached", ({ id }: { id: string }) => {
      this.id = id;
      if (this.closing) return void this.socket.emit("close-terminal");
      events.attached(id);
      events.state("connected");
    });
    this.socket.on("output", (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      events.output(bytes, () => this.acks.rendered(bytes.length));
    });
    this.socket.on("replay", (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      events.replay(bytes, () => this.acks.rendered(bytes.length));
    });
    this.socket.on("progress", (p: { message: string }) => events.progress(p.message));
    this.socket.on("exit", ({ code, message }: { code: number; message?: string }) => {
      events.state("ended");
      events.exited(code, typeof message === "string" ? message : undefined);
    });
    this.socket.on("fatal", ({ code, message }: { code: string; message: string }) => {
      events.state("ended", message);
      events.fatal(code, message);
    });
    this.socket.on("problem", ({ message }: { message: string }) => events.notice(message));
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
      this.socket.emit("input", data.slice(at, end));
      at = end;
    }
  }

  resize(cols: number, rows: number): void {
    if (this.socket.connected) this.socket.emit("resize", { cols, rows });
  }

  /**
   * Ends the shell and everything in it. Works at any moment, even before the server has said which terminal
   * this is: the request then goes out as soon as it has.
   */
  closeTerminal(): void {
    this.closing = true;
    if (this.id && this.socket.connected) this.socket.emit("close-terminal");
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
