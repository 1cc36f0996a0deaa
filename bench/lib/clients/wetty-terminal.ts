import { io, type Socket } from "socket.io-client";
import { OutputHub, type BenchTerminal, type Chunk, type TerminalSize } from "./bench-terminal";
import { interruptAndExit } from "./wait-for-output";

// WeTTY's browser client (node_modules/wetty/build/client/wetty.js, class with ackBytes=262144) emits
// `commit` with 256 KiB each time that many characters have been written; its server pauses the pty above
// 2 MiB uncommitted and resumes below 512 KiB (build/server/flowcontrol.js).
const COMMIT_CHARS = 262_144;

/**
 * A WeTTY terminal spoken to as its browser client does: `input` strings in, `data` strings out, `resize` on
 * connect, `commit` for flow control. Websocket transport from the start (the browser begins with polling and
 * upgrades a moment later), so the comparison with the portal is transport for transport.
 */
export class WettyTerminal implements BenchTerminal {
  readonly kind = "wetty" as const;
  /** Resolves when WeTTY has spawned the pty (its `login` event). */
  readonly attached: Promise<void>;
  private readonly socket: Socket;
  private readonly hub = new OutputHub();
  private uncommitted = 0;

  constructor(url: string, size: TerminalSize) {
    this.socket = io(url, { path: "/socket.io", transports: ["websocket"], reconnection: false, forceNew: true });
    this.attached = new Promise((resolve, reject) => {
      this.socket.once("login", () => resolve());
      this.socket.once("connect_error", (error) => reject(new Error(`wetty socket: ${error.message}`)));
    });
    this.attached.catch(() => undefined);
    this.socket.once("connect", () => this.socket.emit("resize", size));
    this.socket.on("data", (data: string) => {
      this.uncommitted += data.length;
      if (this.uncommitted >= COMMIT_CHARS) {
        this.uncommitted -= COMMIT_CHARS;
        this.socket.emit("commit", COMMIT_CHARS);
      }
      this.hub.emit(data);
    });
  }

  send(data: string): void {
    this.socket.emit("input", data);
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.hub.on(listener);
  }

  /**
   * WeTTY kills only the local `docker exec` client on disconnect; the shell inside the container would live on
   * (moby#9098), so it is asked to exit first, as a user would.
   */
  async close(): Promise<void> {
    if (this.socket.connected) {
      await interruptAndExit(this, new Promise<void>((resolve) => this.socket.once("logout", () => resolve())));
    }
    this.socket.disconnect();
  }
}
