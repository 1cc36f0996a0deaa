import type { Logger } from "pino";
import type { PortalUser } from "../identity/user";
import type { ProgressListener, WorkspaceManager } from "../workspace/manager";
import type { SessionEndings, Ending } from "./session-endings";
import type { Shell, ShellRequest, Shells } from "./shells";
import { adoptHeldShellCommand, endHeldSessionCommand, heldShellCommand } from "./held-shell-script";
import { firstOutput } from "./first-output";
import type { TerminalDirectory } from "./terminal-directory";
import type { TerminalAllowance } from "./terminal-allowance";
import { TerminalSession, type TerminalSessionOptions, type TerminalSize } from "./terminal-session";

export interface TerminalServiceOptions extends TerminalSessionOptions {
  /** How many a user may have open (with their SSH sessions) and open per minute. */
  allowance: TerminalAllowance;
  /** Why shells end (the workspace stopped or moved), for their clients; without it, they just end. */
  endings?: Pick<SessionEndings, "follow">;
  /** The list of open terminals other processes read (a shared store); absent on one process. */
  directory?: Pick<TerminalDirectory, "opened" | "closed">;
  /**
   * Each shell lives in a tmux session in the workspace where the image has tmux (lib/terminal/held-shell-script),
   * so another process can take it over when this one dies (`adopt`). Set where processes share the store.
   */
  heldInWorkspace?: boolean;
}

/** Lines of a held shell's scrollback a process taking it over shows first. */
const ADOPTED_HISTORY_LINES = 2000;

export interface TerminalInfo {
  id: string;
  createdAt: string;
  attached: boolean;
}

export const TERMINAL_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

// Terminals whose workspace moved, remembered for a page that was away meanwhile: a few per user at most.
const REMEMBERED_ENDINGS = 500;

/**
 * Every open terminal of every user, each reachable only through its owner's subject: an id guessed or copied
 * from another user finds nothing. The web terminal uses it today; SSH shells can share the same sessions later.
 */
export class TerminalService {
  private readonly byOwner = new Map<string, Map<string, TerminalSession>>();
  /** Each open terminal's place in its user's allowance, given back when it ends. */
  private readonly places = new Map<TerminalSession, () => void>();
  /** Why recently ended terminals ended, by owner and id, for a page that comes back to one. */
  private readonly endedBy = new Map<string, Ending>();

  constructor(
    private readonly workspaces: Pick<WorkspaceManager, "ensureRunning">,
    private readonly shells: Shells,
    private readonly options: TerminalServiceOptions,
    private readonly log: Logger,
    /** Input typed and output shown both count as use of the workspace (for the idle stop). */
    private readonly onActivity: (sub: string) => void = () => {},
  ) {}

  /** Starts the workspace if needed, then a login shell in it. */
  async create(user: PortalUser, size: TerminalSize, onProgress?: ProgressListener): Promise<TerminalSession> {
    const { allowance } = this.options;
    // Held from the start (the workspace may take a while to start): two opens at once cannot both take the last.
    const release = allowance.hold(user.sub);
    try {
      allowance.start(user.sub);
      return await this.open(user, size, release, onProgress);
    } catch (error) {
      release();
      throw error;
    }
  }

  private async open(user: PortalUser, size: TerminalSize, release: () => void, onProgress?: ProgressListener): Promise<TerminalSession> {
    await this.workspaces.ensureRunning(user, onProgress);
    return this.attachShell(user, size, release);
  }

  /**
   * Takes over a held shell whose process died: a new tmux client on the same session, in the same workspace,
   * under the same id, its scrollback first. Null when there is none to take (no tmux in the image, the workspace
   * stopped, the shell ended, or held shells are not used here).
   */
  async adopt(user: PortalUser, id: string, size: TerminalSize): Promise<TerminalSession | null> {
    if (!this.options.heldInWorkspace) return null;
    const existing = this.get(user, id);
    if (existing) return existing;
    const { allowance } = this.options;
    const release = allowance.hold(user.sub);
    try {
      // One exec asks whether the shell is held and, if so, prints its scrollback and attaches to it.
      const shell = await this.shells
        .start(user, { ...this.shellRequest(size), command: adoptHeldShellCommand(ADOPTED_HISTORY_LINES, size.rows), tag: id })
        .catch(() => null);
      // It prints (its scrollback, or tmux's screen) only when it holds the shell; otherwise it ends in silence.
      if (!shell || !(await firstOutput(shell.process.stdout))) {
        shell?.abandon();
        release();
        return null;
      }
      const session = await this.sessionOf(user, size, release, shell);
      this.log.info({ user: user.username, terminal: id }, "terminal taken over from a portal process that stopped");
      return session;
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * A terminal's shell as the web door opens it. xterm.js draws 24-bit colour. Not `paced` here: the session paces
   * its output itself (it knows when it is shown).
   */
  private shellRequest(size: TerminalSize): ShellRequest {
    return { tty: true, terminal: size, env: { COLORTERM: "truecolor" }, door: "web" };
  }

  private async attachShell(user: PortalUser, size: TerminalSize, release: () => void): Promise<TerminalSession> {
    const held = this.options.heldInWorkspace === true;
    const shell = await this.shells.start(user, { ...this.shellRequest(size), ...(held ? { command: heldShellCommand() } : {}) });
    return this.sessionOf(user, size, release, shell);
  }

  /** The session of a shell just started (or taken over), listed, its place in the allowance given back at its end. */
  private async sessionOf(user: PortalUser, size: TerminalSize, release: () => void, shell: Shell): Promise<TerminalSession> {
    const held = this.options.heldInWorkspace === true;
    const id = shell.tag;
    // A held shell outlives its exec: ending the terminal ends its tmux session too.
    const end = held
      ? async () => {
          await this.shells.run(user, endHeldSessionCommand(id)).catch(() => undefined);
          await shell.end();
        }
      : () => shell.end();
    let session: TerminalSession | null = null;
    // A workspace that moves under the terminal ends its shell, whose stream may never say so itself.
    const ending = this.options.endings?.follow(user, shell.at, () => void session?.close());
    session = new TerminalSession(
      id,
      user.sub,
      shell.process,
      size,
      this.options,
      end,
      this.log.child({ terminal: id, user: user.username }),
      () => this.onActivity(user.sub),
      async (onWaiting, code) => ending?.why(onWaiting, code),
    );
    this.sessionsOf(user.sub).set(id, session);
    this.places.set(session, release);
    void session.done.then(() => this.forget(user.sub, id));
    // Listed before its id reaches the browser, whose next reconnect may land on another process.
    await this.options.directory?.opened(user.sub, id);
    void session.finished.then((why) => {
      ending?.release();
      if (why) this.remember(user.sub, id, why);
    });
    this.log.info({ user: user.username, terminal: id }, "terminal opened");
    return session;
  }

  get(user: PortalUser, id: string): TerminalSession | undefined {
    const session = this.byOwner.get(user.sub)?.get(id);
    return session && !session.isEnded ? session : undefined;
  }

  /** Why a terminal of the user's that has ended did (its workspace stopped or moved), while that is remembered. */
  endingOf(user: PortalUser, id: string): Ending | undefined {
    return this.endedBy.get(`${user.sub}\0${id}`);
  }

  private remember(sub: string, id: string, ending: Ending): void {
    this.endedBy.set(`${sub}\0${id}`, ending);
    for (const key of this.endedBy.keys()) {
      if (this.endedBy.size <= REMEMBERED_ENDINGS) break;
      this.endedBy.delete(key);
    }
  }

  list(user: PortalUser): TerminalInfo[] {
    return [...this.sessionsOf(user.sub).values()]
      .filter((s) => !s.isEnded)
      .map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), attached: s.attached }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async close(user: PortalUser, id: string): Promise<boolean> {
    const session = this.byOwner.get(user.sub)?.get(id);
    if (!session) return false;
    this.forget(user.sub, id);
    await session.close();
    this.log.info({ user: user.username, terminal: id }, "terminal closed");
    return true;
  }

  /** Ends every terminal of a user (an account disabled): their sockets hear the shell end and close. */
  async closeAllOf(user: PortalUser): Promise<void> {
    const ids = [...(this.byOwner.get(user.sub)?.keys() ?? [])];
    await Promise.all(ids.map((id) => this.close(user, id).catch(() => false)));
  }

  private sessionsOf(sub: string): Map<string, TerminalSession> {
    let mine = this.byOwner.get(sub);
    if (!mine) {
      mine = new Map();
      this.byOwner.set(sub, mine);
    }
    return mine;
  }

  private forget(sub: string, id: string): void {
    const mine = this.byOwner.get(sub);
    const session = mine?.get(id);
    mine?.delete(id);
    if (mine?.size === 0) this.byOwner.delete(sub);
    if (session) {
      void this.options.directory?.closed(id);
      this.places.get(session)?.();
      this.places.delete(session);
    }
  }
}
