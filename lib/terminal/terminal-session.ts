import type { Logger } from "pino";
import type { ExecProcess } from "../runtime/runtime";
import { latestWins } from "../util/latest-wins";
import { FlowControl } from "./flow-control";
import { OutputBatcher } from "./output-batcher";
import type { OutputPacer, PacedTerminal } from "./output-pacer";
import { ReadGate } from "./read-gate";
import { ReplayBuffer } from "./replay-buffer";
import type { Ending } from "./session-endings";

/** The browser end of a terminal, as the session sees it. */
export interface TerminalClient {
  output(data: Buffer): void;
  /**
   * The screen so far, sent on (re)attach before any live output. Kept apart from output because a terminal
   * drawing it answers the queries in it (DA, DSR, DECRQM, colour queries): those answers belong to a program
   * that asked long ago, and the client must not send them to the shell now.
   */
  replay(data: Buffer): void;
  /** Another client took this terminal over (a second tab, or a reconnect that raced this one). */
  displaced(): void;
  /** The shell ended; `code` is its exit status, `ending` why when it was not for its own reasons. */
  exited(code: number, ending?: Ending): void;
  /** A line about the workspace, not from the shell: why the end of the shell is not told yet. */
  note?(message: string): void;
}

/** Why the shell ended, asked once it has; `onWaiting` hears a line for the user when that takes a while. */
export type EndReason = (onWaiting: (message: string) => void, code: number) => Promise<Ending | undefined>;

export interface TerminalSessionOptions {
  replayBytes: number;
  highWater: number;
  lowWater: number;
  /** How long the shell lives on with no client attached. */
  graceMs: number;
  /** Shared by the portal's terminals: paces bulk output while somebody is typing. */
  pacer?: OutputPacer;
  /** Input queued for a shell that does not read it, beyond which more input is refused (not buffered). */
  maxQueuedInput?: number;
  /** Resizes closer together than this are coalesced (the latest size wins): each one is a Docker call. */
  resizeIntervalMs?: number;
}

/** What became of a client's input. */
export type InputOutcome = "sent" | "backlog" | "ignored";

const DEFAULT_MAX_QUEUED_INPUT = 256 * 1024;
const DEFAULT_RESIZE_INTERVAL_MS = 250;

export interface TerminalSize {
  cols: number;
  rows: number;
}

/**
 * One shell in a workspace, alive across browser reconnects. Output goes to the attached client under flow
 * control and into a bounded replay buffer; with no client it keeps running (a computation printing progress
 * must not stall because a laptop slept) until the grace period ends. The shell's output is read while its read
 * gate has no hold: the browser keeps up (acknowledgement), no burst is being gathered (gathering) and no pacing
 * is due (pacing).
 */
export class TerminalSession {
  readonly createdAt = new Date();
  private client: TerminalClient | null = null;
  private readonly replay: ReplayBuffer;
  private readonly gate: ReadGate;
  private readonly flow: FlowControl;
  private graceTimer: NodeJS.Timeout | null = null;
  private size: TerminalSize;
  private ended = false;
  /** Resolved by `close` for a shell whose engine never tells its end (a machine cut off). */
  private forceEnd: (code: number) => void = () => {};
  private ending: Ending | undefined;
  private readonly batcher: OutputBatcher;
  private readonly paced: PacedTerminal | null;
  private readonly applySize: (request: { size: TerminalSize; redraw: boolean }) => Promise<void>;
  readonly done: Promise<number>;
  /** Once the shell has ended and the client been told: why it ended (undefined: for its own reasons). */
  readonly finished: Promise<Ending | undefined>;

  constructor(
    readonly id: string,
    readonly ownerSub: string,
    private readonly proc: ExecProcess,
    size: TerminalSize,
    private readonly options: TerminalSessionOptions,
    private readonly endProcesses: () => Promise<void>,
    private readonly log: Logger,
    private readonly onActivity: () => void = () => {},
    private readonly endReason: EndReason = async () => undefined,
  ) {
    this.size = size;
    this.applySize = latestWins((request) => this.resizeNow(request), options.resizeIntervalMs ?? DEFAULT_RESIZE_INTERVAL_MS, (a, b) => ({
      size: b.size,
      redraw: a.redraw || b.redraw,
    }));
    this.replay = new ReplayBuffer(options.replayBytes);
    this.gate = new ReadGate(proc.stdout);
    this.paced = options.pacer?.member(false, this.gate) ?? null;
    this.flow = new FlowControl(options.highWater, options.lowWater, this.gate);
    this.batcher = new OutputBatcher((data) => this.emit(data), this.gate);
    proc.stdout.on("data", (chunk: Buffer) => this.onOutput(chunk));
    // A stream first looked at (a shell taken over) is left paused: read from here on, unless a brake holds it.
    if (this.gate.open) proc.stdout.resume();
    proc.stdout.on("error", (error) => log.debug({ err: error }, "terminal stream error"));
    this.done = Promise.race([proc.wait().catch(() => -1), new Promise<number>((resolve) => (this.forceEnd = resolve))]);
    this.finished = this.done.then((code) => this.onExit(code));
    this.startGrace();
  }

  get attached(): boolean {
    return this.client !== null;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  attach(client: TerminalClient, size: TerminalSize): void {
    if (this.ended) throw new Error("terminal has ended");
    const previous = this.client;
    this.client = client;
    previous?.displaced();
    this.paced?.shown(true);
    this.stopGrace();
    this.batcher.drop(); // the snapshot below already holds it
    this.flow.reset();
    const screen = this.replay.snapshot();
    if (screen.length > 0) {
      client.replay(screen);
      this.flow.sent(screen.length);
    }
    void this.resize(size, true);
  }

  detach(client: TerminalClient): void {
    if (this.client !== client) return;
    this.client = null;
    this.paced?.shown(false);
    this.batcher.drop();
    this.flow.reset(); // nobody to wait for: keep reading
    this.startGrace();
  }

  ack(client: TerminalClient, bytes: number): void {
    if (this.client === client) this.flow.acked(bytes);
  }

  /**
   * Writes what the client typed to the shell, unless the shell has left earlier input unread: a program that
   * never reads stdin (`stty raw; sleep 300`) must not make the portal hold a flood in memory, so that input is
   * refused and the client told.
   */
  input(client: TerminalClient, data: string): InputOutcome {
    if (this.client !== client || this.ended || !this.proc.stdin) return "ignored";
    const limit = this.options.maxQueuedInput ?? DEFAULT_MAX_QUEUED_INPUT;
    if (this.proc.stdin.writableLength >= limit) return "backlog";
    this.paced?.typed(); // typed into: this terminal is interactive now, a paced flood let go (Ctrl-C at once)
    this.onActivity();
    this.batcher.typed();
    this.proc.stdin.write(data);
    return "sent";
  }

  /**
   * Tells the shell its size. Each change is a Docker call, so a burst (a window dragged, a client that sends
   * thousands) becomes at most one call per interval, with the latest size. `redraw` nudges a full-screen program
   * to repaint after a replay that could not hold its whole screen.
   */
  resize(size: TerminalSize, redraw = false): Promise<void> {
    if (this.ended) return Promise.resolve();
    return this.applySize({ size, redraw });
  }

  private async resizeNow({ size, redraw }: { size: TerminalSize; redraw: boolean }): Promise<void> {
    if (this.ended) return;
    const changed = size.cols !== this.size.cols || size.rows !== this.size.rows;
    this.size = size;
    try {
      if (redraw && !changed && this.replay.alternateScreen) {
        await this.proc.resize(size.cols, Math.max(1, size.rows - 1));
      }
      await this.proc.resize(size.cols, size.rows);
    } catch (error) {
      this.log.debug({ err: error, terminal: this.id }, "terminal resize failed");
    }
  }

  /** Ends the shell and everything it started, then drops the connection. */
  async close(): Promise<void> {
    this.stopGrace();
    if (!this.ended) {
      await this.endProcesses().catch((error: unknown) => this.log.warn({ err: error, terminal: this.id }, "ending terminal processes failed"));
    }
    this.proc.detach();
    await Promise.race([this.done, new Promise((r) => setTimeout(r, 2000))]);
    this.forceEnd(-1);
  }

  private onOutput(chunk: Buffer): void {
    this.onActivity();
    this.replay.append(chunk);
    if (this.client) this.batcher.push(chunk);
    this.paced?.sent(chunk.length);
  }

  private emit(data: Buffer): void {
    this.client?.output(data);
    this.flow.sent(data.length);
  }

  private async onExit(code: number): Promise<Ending | undefined> {
    if (this.ended) return this.ending;
    this.ended = true;
    this.stopGrace();
    this.paced?.leave();
    this.batcher.flush(); // the last words before the exit status
    // The shell is gone; anything it left behind in its session goes with it.
    void this.endProcesses().catch(() => undefined);
    // Why, before the client hears of the end: a workspace being placed again elsewhere takes a while to say.
    this.ending = await this.endReason((message) => this.client?.note?.(message), code).catch(() => undefined);
    this.client?.exited(code, this.ending);
    this.client = null;
    return this.ending;
  }

  private startGrace(): void {
    this.stopGrace();
    this.graceTimer = setTimeout(() => {
      this.log.info({ terminal: this.id }, "terminal ended after its grace period without a client");
      void this.close();
    }, this.options.graceMs);
    this.graceTimer.unref();
  }

  private stopGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}
