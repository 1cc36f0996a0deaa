import { io, type Socket } from "socket.io-client";

/** How a terminal socket ended, as the page would learn it. */
export interface TerminalEnd {
  code: string;
  message: string;
}

/** One web terminal socket as the page drives it: output decoded and acknowledged as rendered, events recorded. */
export interface TerminalClient {
  socket: Socket;
  /** The terminal's id once attached. */
  id: string;
  /** Everything shown so far: the replay, then output. */
  text(): string;
  /** Resolves when `pattern` shows in the text (its match), rejects past the deadline with what was shown. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpMatchArray>;
  type(data: string): void;
  /** The next output after now (keystroke echo). */
  nextOutput(): Promise<string>;
  /** Resolves with the fatal problem or the exit the server ended the socket with. */
  ended: Promise<TerminalEnd>;
  close(): void;
}

export interface OpenOptions {
  terminalId?: string;
  /** Refused or ended before attaching is the expected outcome: resolve with the end instead of rejecting. */
  expectEnd?: boolean;
}

/**
 * Opens a terminal socket on `portalUrl` with a session cookie, as components/terminal does (no automatic
 * reconnection: a test reconnects by opening again with the id). Resolves once attached, or with the end when
 * `expectEnd` is set.
 */
export function openTerminal(portalUrl: string, cookie: string, options: OpenOptions & { expectEnd: true }): Promise<TerminalEnd>;
export function openTerminal(portalUrl: string, cookie: string, options?: OpenOptions): Promise<TerminalClient>;
export function openTerminal(portalUrl: string, cookie: string, options: OpenOptions = {}): Promise<TerminalClient | TerminalEnd> {
  const socket = io(portalUrl, {
    path: "/terminal-io",
    transports: ["websocket"],
    extraHeaders: { cookie, origin: portalUrl },
    auth: { cols: 120, rows: 30, ...(options.terminalId ? { terminalId: options.terminalId } : {}) },
    reconnection: false,
  });
  const decoder = new TextDecoder();
  let text = "";
  let waiters: (() => void)[] = [];
  const grew = () => {
    const now = waiters;
    waiters = [];
    for (const w of now) w();
  };
  const take = (data: ArrayBuffer) => {
    text += decoder.decode(new Uint8Array(data), { stream: true });
    socket.emit("ack", data.byteLength);
    grew();
  };
  socket.on("replay", take);
  socket.on("output", take);
  const ended = new Promise<TerminalEnd>((resolve) => {
    socket.on("fatal", (p: TerminalEnd) => resolve(p));
    socket.on("exit", (e: { code: number; message?: string }) => resolve({ code: `exit-${e.code}`, message: e.message ?? "" }));
    socket.on("disconnect", (reason) => resolve({ code: "disconnected", message: String(reason) }));
  });
  const waitFor = (pattern: RegExp | string, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const re = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
      const timer = setTimeout(() => reject(new Error(`${re} not shown within ${timeoutMs} ms; shown:\n${text.slice(-2000)}`)), timeoutMs);
      const check = () => {
        const match = text.match(re);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        } else waiters.push(check);
      };
      check();
    });
  return new Promise((resolve, reject) => {
    socket.on("connect_error", reject);
    if (options.expectEnd) void ended.then((end) => (socket.close(), resolve(end)));
    else void ended.then((end) => reject(new Error(`terminal ended before attaching: ${end.code} ${end.message}`)));
    socket.on("attached", ({ id }: { id: string }) => {
      if (options.expectEnd) {
        socket.close();
        return reject(new Error("attached to a terminal although its end was expected"));
      }
      resolve({
        socket,
        id,
        text: () => text,
        waitFor,
        type: (data) => void socket.emit("input", data),
        nextOutput: () => new Promise<string>((done) => socket.once("output", (data: ArrayBuffer) => done(Buffer.from(data).toString("utf8")))),
        ended,
        close: () => void socket.close(),
      });
    });
  });
}

/**
 * Keystroke to echo on two terminals, sampled in turns (a busy moment of the machine costs both alike): one
 * character typed, the time until its echo shows; the lines cleared after.
 */
export async function echoInTurns(first: TerminalClient, second: TerminalClient, samples: number): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < samples; i++) {
    for (const [k, t] of [first, second].entries()) {
      const shown = t.nextOutput();
      const at = performance.now();
      t.type("x");
      await shown;
      times[k]!.push(performance.now() - at);
    }
  }
  first.type("\x15"); // Ctrl-U: the line of x's goes
  second.type("\x15");
  return times;
}
