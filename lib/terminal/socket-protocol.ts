import type { StartProgress } from "../workspace/types";

/**
 * The web terminal's socket.io protocol, shared by the portal (server/terminal), the browser
 * (components/terminal) and the bench's client. Types and constants only, so the browser bundle takes nothing
 * else from lib/; the portal validates every message against it (server/terminal/messages.ts) before a shell
 * sees it.
 */
export const TERMINAL_SOCKET_PATH = "/terminal-io";

/** The largest terminal either door accepts; bigger sizes are refused (web) or clamped (SSH). */
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;
/** Characters in one input message; a longer paste goes as several. */
export const MAX_INPUT_CHARS = 64 * 1024;

/** What a browser sends. */
export const CLIENT_EVENTS = {
  /** Keystrokes or a piece of a paste: a string of at most MAX_INPUT_CHARS. */
  input: "input",
  /** A TerminalSize. */
  resize: "resize",
  /** How many output bytes the browser has rendered since its last acknowledgement (flow control). */
  ack: "ack",
  /** End the shell and everything it started, now. */
  closeTerminal: "close-terminal",
} as const;

/** What the portal sends. */
export const SERVER_EVENTS = {
  /** Attached: the shell's id, to ask for the same shell on a reconnect. */
  attached: "attached",
  /** The shell's output, as bytes. */
  output: "output",
  /** The screen so far, as bytes, on every (re)attach. */
  replay: "replay",
  /** A StartProgress while the workspace starts. */
  progress: "progress",
  /** Exited: the shell ended. */
  exit: "exit",
  /** A Problem that ends the terminal for good; the portal then closes the socket. */
  fatal: "fatal",
  /** A Problem that does not end the terminal (input refused, a bad request). */
  problem: "problem",
  /** A Note: a line about the workspace (not the shell's output), e.g. why the end of the shell is not told yet. */
  note: "note",
} as const;

export type ClientEvent = (typeof CLIENT_EVENTS)[keyof typeof CLIENT_EVENTS];

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** The socket.io handshake's `auth`: a new shell of this size, or the shell `terminalId` again. */
export interface TerminalHandshake extends TerminalSize {
  terminalId?: string;
}

export interface Attached {
  id: string;
}

export type Progress = StartProgress;

/**
 * `message` says why when the workspace's stop or move ended the shell. `moved`: the workspace runs on elsewhere,
 * so the page opens a new terminal there at once (a terminal the page comes back to is then "gone" with code
 * "moved").
 */
export interface Exited {
  code: number;
  message?: string;
  moved?: boolean;
}

export interface Note {
  message: string;
}

export interface Problem {
  code: string;
  message: string;
}
