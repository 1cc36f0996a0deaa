import type { RunningAt } from "../backend/backend";
import type { PortalUser } from "../identity/user";
import type { Moved, WorkspaceMoves } from "../workspace/moves";
import { stopMessage, type StopNotice, type StopNotices } from "../workspace/stop-notices";

/** Why a shell ended, when it was not for its own reasons: its workspace was stopped, or moved. */
export type Ending = { kind: "stopped"; notice: StopNotice } | { kind: "moved"; moved: Moved };

/** One shell followed from its start to what ended it. */
export interface SessionEnding {
  /**
   * Once its process has ended (with `code`, its exit status, when known): why, or undefined when it ended for its
   * own reasons (an `exit`). Waits while its workspace may be running again elsewhere; `onWaiting` hears once when
   * it does, with a line for the user.
   */
  why(onWaiting?: (message: string) => void, code?: number): Promise<Ending | undefined>;
  release(): void;
}

/**
 * The exit status of an SSH session whose workspace moved (sysexits' EX_TEMPFAIL: "try again later"): a script
 * can tell it from a command's own failure, and connect again.
 */
export const MOVED_EXIT_STATUS = 75;

export const WAITING_MESSAGE = "The connection to your workspace was lost. Waiting to see whether it runs again on another machine…";

/**
 * Why the shells of every door end: the workspace's stop (the portal's own record of why) or its move (found by
 * lib/workspace/moves.ts), the same for web terminals and SSH sessions. The doors only say it.
 */
export class SessionEndings {
  constructor(
    private readonly stops: Pick<StopNotices, "get">,
    private readonly moves: Pick<WorkspaceMoves, "follow">,
  ) {}

  /** Follows a shell started in `at`; `end` ends it when its workspace moved while it ran (its stream may hang). */
  follow(user: PortalUser, at: RunningAt, end: () => void): SessionEnding {
    const following = this.moves.follow(user, at, () => end());
    return {
      why: async (onWaiting, code) => {
        if (following.moved) return { kind: "moved", moved: following.moved };
        // The portal stopped it (the user, the idle stop, an admin): it said so before the shells ended.
        const stopped = this.stops.get(user.sub);
        if (stopped) return { kind: "stopped", notice: stopped };
        // A process that a stop or a lost machine ended has no success to report (killed: 128+n; lost: none): one
        // that exited 0 did so itself, and nobody need be asked (`ssh host cmd`, scp and sftp end so, many a time).
        if (code === 0) return undefined;
        const moved = await following.settle(onWaiting && (() => onWaiting(WAITING_MESSAGE)));
        if (moved) return { kind: "moved", moved };
        const late = this.stops.get(user.sub);
        return late ? { kind: "stopped", notice: late } : undefined;
      },
      release: () => following.release(),
    };
  }
}

/** The sentence a door shows for an ending, with what to do next through that door. */
export function endingMessage(ending: Ending, door: "web" | "ssh"): string {
  if (ending.kind === "stopped") return stopMessage(ending.notice, door);
  const { node, from } = ending.moved;
  const what = door === "web" ? "this terminal's shell" : "this session's shell";
  const news =
    node && node !== from
      ? `Your workspace moved to another machine (${node}); ${what} ended there.`
      : `Your workspace was restarted in a new container; ${what} ended with the old one.`;
  return `${news} ${door === "web" ? "Opening a new terminal…" : "Connect again with the same ssh command to continue."}`;
}
