import type { Logger } from "pino";
import type { WorkspaceBackend, WorkspaceChange } from "../backend/backend";

export type { WorkspaceChange };

export type WorkspaceChangeListener = (change: WorkspaceChange) => void;

/**
 * The backend's change stream, opened once for the whole process and told to every part that keeps something of a
 * workspace (the proxy's targets, the port lists, later terminals): the doors subscribe here and never see the
 * backend. It opens with the first subscriber and closes with the last, so a process that caches nothing (a
 * script, a test of one part) opens no stream to the engine.
 */
export class WorkspaceChanges {
  private readonly listeners = new Set<WorkspaceChangeListener>();
  private unwatch: (() => void) | null = null;
  // Whether the stream is open now (its resync told, not lost since): a part subscribing later is told so too.
  private streaming = false;

  constructor(
    private readonly source: Pick<WorkspaceBackend, "watch">,
    private readonly log?: Logger,
  ) {}

  /**
   * Tells `listener` every change from now on, until the returned function is called. A listener that comes while
   * the stream is already open is told the resync it missed (in a microtask, so never inside this call): without
   * it, a part that remembers only while changes are told (the proxy's targets) would never remember anything.
   */
  subscribe(listener: WorkspaceChangeListener): () => void {
    this.listeners.add(listener);
    if (this.unwatch) {
      if (this.streaming) {
        queueMicrotask(() => {
          if (this.streaming && this.listeners.has(listener)) this.tellOne(listener, { kind: "resync" });
        });
      }
    } else {
      this.unwatch = this.source.watch((change) => this.tell(change));
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.unwatch) {
        this.unwatch();
        this.unwatch = null;
        this.streaming = false;
      }
    };
  }

  private tell(change: WorkspaceChange): void {
    if (change.kind !== "workspace") this.streaming = change.kind === "resync";
    for (const listener of [...this.listeners]) this.tellOne(listener, change);
    // Logged once every listener has dropped what it knew: a reader of the log (an operator, a test) can rely on it.
    if (change.kind === "workspace") this.log?.info({ slug: change.slug, what: change.what }, "workspace changed");
    else if (change.kind === "resync") this.log?.info("workspace change stream (re)opened: everything remembered of workspaces dropped");
    else this.log?.warn("workspace change stream lost: nothing is remembered of workspaces until it is back");
  }

  private tellOne(listener: WorkspaceChangeListener, change: WorkspaceChange): void {
    try {
      listener(change);
    } catch (error) {
      this.log?.error({ err: error, change }, "a listener failed on a workspace change");
    }
  }
}
