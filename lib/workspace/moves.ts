import type { Logger } from "pino";
import type { RunningAt, WorkspaceBackend } from "../backend/backend";
import type { PortalUser } from "../identity/user";
import type { WorkspaceChanges } from "./changes";
import type { WorkspaceManager } from "./manager";
import type { WorkspaceStatus } from "./types";

/** Where a session's workspace runs now that it runs as another instance than the one the session ran in. */
export interface Moved {
  /** The machine it runs on now, where its backend has several. */
  node?: string;
  /** The machine the session ran on. */
  from?: string;
}

export interface MovesDeps {
  changes: Pick<WorkspaceChanges, "subscribe">;
  /** The workspace as the doors may use it: "running" only once a copy holds its lease. */
  workspaces: Pick<WorkspaceManager, "status">;
  /** Whether an instance still runs, asked of the engine that runs it (its process list). */
  backend: Pick<WorkspaceBackend, "processes">;
  log?: Logger;
}

export interface MovesTiming {
  /** How long an ended session waits for its workspace to run again elsewhere before it is taken for ended. */
  settleMs: number;
  /** How long the engine of the session's instance has to say whether it still runs it. */
  probeMs: number;
  /** How often a waiting session looks again without being told of a change (a change may go untold). */
  lookMs: number;
}

// A lost machine is noticed by Swarm's heartbeat and its workspaces placed again 16-21 s later at default settings
// (scale-out-design.md): a minute covers that with room.
export const MOVES_TIMING: MovesTiming = { settleMs: 60_000, probeMs: 5_000, lookMs: 1_000 };

/** One session followed from the instance it runs in. */
export interface Following {
  /** Once its process has ended: where its workspace moved, or null when it did not (it ended for other reasons). */
  settle(onWaiting?: () => void): Promise<Moved | null>;
  /** Moved already, as a change told it while the session still ran. */
  readonly moved: Moved | null;
  release(): void;
}

interface Follower {
  user: PortalUser;
  at: RunningAt;
  moved: Moved | null;
  onMoved: (moved: Moved) => void;
}

type Verdict = { kind: "moved"; moved: Moved } | { kind: "ended" } | { kind: "wait" };

/**
 * Tells a session that its workspace moved: it now runs as another instance (a new task or container, maybe on
 * another machine) than the one the session's shell ran in. One place for every door (web terminals, SSH shells).
 *
 * Two ways to learn it. While the session runs, a change of its workspace is looked at: a copy that runs as
 * another instance and may be used (holds its lease) means the session's shell is in a copy that is gone or about
 * to be fenced off, so `onMoved` ends it (its stream may hang forever on a machine cut off). Once a shell has ended
 * on its own, `settle` asks why: its instance still running means the shell ended for its own reasons (an `exit`);
 * another instance running means a move; its instance gone with nothing new yet means the scheduler is placing it
 * again, so it waits (bounded) for the next one. A workspace that stopped, and stays stopped with its last instance
 * being the session's, did not move (the OOM killer, `docker stop`): its sessions end as they always did.
 */
export class WorkspaceMoves {
  private readonly bySlug = new Map<string, Set<Follower>>();
  private readonly wakers = new Map<string, Set<() => void>>();
  /** Workspaces looked at again shortly, their new copy still starting. */
  private readonly relooking = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: MovesDeps,
    private readonly timing: MovesTiming = MOVES_TIMING,
  ) {}

  follow(user: PortalUser, at: RunningAt, onMoved: (moved: Moved) => void): Following {
    const follower: Follower = { user, at, moved: null, onMoved };
    let followers = this.bySlug.get(at.slug);
    if (!followers) this.bySlug.set(at.slug, (followers = new Set()));
    followers.add(follower);
    this.unsubscribe ??= this.deps.changes.subscribe((change) => {
      if (change.kind === "workspace") this.changed(change.slug);
      else if (change.kind === "resync") for (const slug of this.bySlug.keys()) this.changed(slug);
    });
    return {
      settle: (onWaiting) => this.settle(follower, onWaiting),
      get moved() {
        return follower.moved;
      },
      release: () => this.release(follower),
    };
  }

  private release(follower: Follower): void {
    const followers = this.bySlug.get(follower.at.slug);
    followers?.delete(follower);
    if (followers?.size === 0) this.bySlug.delete(follower.at.slug);
    if (this.bySlug.size === 0 && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
    }
  }

  private changed(slug: string): void {
    for (const wake of this.wakers.get(slug) ?? []) wake();
    void this.lookAt(slug, Date.now() + this.timing.settleMs);
  }

  /**
   * Tells the followers of `slug` whose instance it no longer runs as. A copy still starting (placed, not yet
   * holding its lease) changes no more in the engine's eyes: it is looked at again until it runs or `until`.
   */
  private async lookAt(slug: string, until: number): Promise<void> {
    const followers = [...(this.bySlug.get(slug) ?? [])].filter((f) => !f.moved);
    if (followers.length === 0) return;
    const status = await this.deps.workspaces.status(followers[0]!.user).catch((error: unknown) => {
      this.deps.log?.debug({ err: error, slug }, "looking at a changed workspace failed");
      return null;
    });
    if (!status) return;
    for (const follower of followers) {
      const moved = movedFrom(follower, status);
      if (moved) this.tell(follower, moved);
    }
    if (status.state !== "starting" || Date.now() >= until || this.relooking.has(slug)) return;
    this.relooking.add(slug);
    setTimeout(() => {
      this.relooking.delete(slug);
      void this.lookAt(slug, until);
    }, this.timing.lookMs).unref();
  }

  private tell(follower: Follower, moved: Moved): void {
    if (follower.moved) return;
    follower.moved = moved;
    this.deps.log?.info({ slug: follower.at.slug, from: moved.from, to: moved.node }, "workspace moved under an open session");
    try {
      follower.onMoved(moved);
    } catch (error) {
      this.deps.log?.error({ err: error }, "ending a session of a moved workspace failed");
    }
  }

  private async settle(follower: Follower, onWaiting?: () => void): Promise<Moved | null> {
    const deadline = Date.now() + this.timing.settleMs;
    let told = false;
    for (;;) {
      if (follower.moved) return follower.moved;
      const verdict = await this.verdict(follower);
      if (follower.moved) return follower.moved;
      if (verdict.kind === "moved") {
        follower.moved = verdict.moved;
        this.deps.log?.info({ slug: follower.at.slug, from: verdict.moved.from, to: verdict.moved.node }, "a session ended as its workspace moved");
        return verdict.moved;
      }
      if (verdict.kind === "ended" || Date.now() >= deadline) return null;
      if (!told) {
        told = true;
        onWaiting?.();
      }
      await this.changeOf(follower.at.slug, Math.min(this.timing.lookMs, Math.max(0, deadline - Date.now())));
    }
  }

  private async verdict(follower: Follower): Promise<Verdict> {
    const status = await this.deps.workspaces.status(follower.user).catch(() => null);
    if (!status) return { kind: "wait" };
    const moved = movedFrom(follower, status);
    if (moved) return { kind: "moved", moved };
    if (status.state === "running") {
      // Its own instance, as far as the scheduler knows: the engine running it says whether it really still does
      // (a scheduler learns of a dead container a moment after its streams ended).
      return (await this.alive(follower.at)) ? { kind: "ended" } : { kind: "wait" };
    }
    if (status.state === "none") return { kind: "ended" };
    // Stopped with an instance of its own: it ran and ended, and nothing was placed after it. Stopped with none
    // (a scheduler between the old task and the next), starting, or an error of a task not yet run: wait and see.
    if (status.state === "stopped" && status.containerId) return { kind: "ended" };
    return { kind: "wait" };
  }

  private async alive(at: RunningAt): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.timing.probeMs)));
    try {
      return await Promise.race([
        this.deps.backend.processes(at).then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves at the next change of `slug`, or after `ms`. */
  private changeOf(slug: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let wakers = this.wakers.get(slug);
      if (!wakers) this.wakers.set(slug, (wakers = new Set()));
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        if (wakers.size === 0 && this.wakers.get(slug) === wakers) this.wakers.delete(slug);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }
}

/** Where the workspace moved, if it now runs (and may be used) as another instance than the follower's. */
function movedFrom(follower: Follower, status: WorkspaceStatus): Moved | null {
  if (status.state !== "running" || !status.containerId || status.containerId === follower.at.instanceId) return null;
  return { ...(status.node ? { node: status.node } : {}), ...(follower.at.node ? { from: follower.at.node } : {}) };
}
