import { appName, type WorkspaceApp } from "../../lib/apps/app-address";
import type { ListeningPortsCache } from "../../lib/apps/listening-ports";
import type { OnDemandServer } from "../../lib/apps/on-demand-server";
import type { PortRelays } from "../../lib/apps/port-relay";
import type { RegisteredUser, UserRegistry } from "../../lib/identity/registry";
import type { WorkspaceChanges } from "../../lib/workspace/changes";
import type { WorkspaceManager } from "../../lib/workspace/manager";

/** What finding an app's upstream asks: whose workspace, where it runs, what listens in it, VS Code's and Jupyter's. */
export interface TargetDeps {
  registry: Pick<UserRegistry, "bySub">;
  workspaces: Pick<WorkspaceManager, "status">;
  /** Every workspace's changes of state, whoever made them: what the resolver remembers of one ends with it. */
  changes: Pick<WorkspaceChanges, "subscribe">;
  ports: Pick<ListeningPortsCache, "get">;
  relays: Pick<PortRelays, "ensure">;
  codeServer: Pick<OnDemandServer, "baseUrl" | "isUp">;
  notebook: Pick<OnDemandServer, "baseUrl" | "isUp">;
}

/** `instanceId`: the workspace's instance the base was found for (its container or task), when known. */
export type Target = { kind: "ready"; base: string; instanceId?: string } | { kind: "starting" };

// Workspace addresses change only when a container is re-created; a short cache keeps Docker off the hot path.
const TTL_MS = 15_000;
// Looks that a change overtook before they were done, tried again before saying "starting".
const LOOKS = 3;

/** One remembered upstream, and the instance of the owner's workspace it was found for. */
interface Entry {
  base: string;
  until: number;
  slug: string;
  instanceId: string | undefined;
}

/**
 * Where a proxied request goes, without asking Docker on every request. An expired entry keeps serving while one
 * refresh (never one per in-flight request) looks again; a proxy error drops the entry at once.
 *
 * The owner's workspace only, even when its address is reused. A workspace's address is its container's (or
 * task's) for as long as that runs; once it stops, the engine may give the same address to another user's
 * workspace (on one host the next container takes the first free address; in a cluster a rescheduled workspace
 * takes a free one on its new machine). Every entry remembers the instance it was found for, and every entry of a
 * workspace is dropped the moment its backend tells of a change to it (made, started, stopped, removed), all of
 * them when the backend loses its stream of changes or opens it again; while it has none (before it first opens,
 * after it broke) nothing is remembered and each request asks the backend. A look that a change overtakes (it may
 * have read the old instance's address) is not remembered but made again, and requests that come after the change
 * wait for a new look, not that one. So a stale address is never used once the change is known, and nothing is
 * added per request: no engine call, no lookup beyond the cache's own. Any backend gets this by telling each new
 * instance (a task rescheduled, a pod replaced) as a change of its workspace in `watch`.
 *
 * What remains is the time between the engine's event and its delivery here. On one host the engine tells changes
 * in the order they happened, over a local socket within milliseconds: the old container's "die" comes before the
 * "start" of any container given its address, and that one must then be started and have a server listening. For
 * the apps the portal runs the proxy also proves the owner on every request: VS Code is sent the owner's own
 * code-server password as its cookie and Jupyter the owner's own token (lib/apps/code-server-secret.ts, derived per
 * workspace), which another workspace's VS Code or Jupyter refuses (its sign-in page, 403). A port preview has no
 * such proof (it is the user's own server): for it the guarantee is the prompt drop above.
 */
export class TargetResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly refreshing = new Map<string, { slug: string | undefined; pending: Promise<Target> }>();
  // Counts the changes told per workspace (and all together): a look remembers its answer only if none came meanwhile.
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  // Whether changes are being told now: only then is anything remembered (until the stream opens, after it broke).
  private following = false;
  private readonly unsubscribe: () => void;

  /** `dropped` is told each upstream whose workspace changed, so its idle connections are closed too. */
  constructor(
    private readonly portal: TargetDeps,
    private readonly dropped: (base: string) => void = () => {},
  ) {
    this.unsubscribe = portal.changes.subscribe((change) => {
      if (change.kind === "workspace") return this.changed(change.slug);
      this.following = change.kind === "resync";
      this.changedAll();
    });
  }

  /** The upstream base URL, or "starting" when the workspace (or VS Code in it) is not running. */
  async resolve(sub: string, app: WorkspaceApp): Promise<Target> {
    const base = this.known(sub, app);
    if (base === undefined) return this.refresh(keyOf(sub, app), sub, app);
    const instanceId = this.instanceOf(sub, app);
    return { kind: "ready", base, ...(instanceId ? { instanceId } : {}) };
  }

  /** The remembered base URL without waiting, or undefined when only `resolve` can tell. */
  known(sub: string, app: WorkspaceApp): string | undefined {
    const key = keyOf(sub, app);
    const cached = this.cache.get(key);
    if (!cached) return undefined;
    if (cached.until <= Date.now()) void this.refresh(key, sub, app);
    return cached.base;
  }

  /** The instance the remembered base URL was found for, if one is remembered. */
  instanceOf(sub: string, app: WorkspaceApp): string | undefined {
    return this.cache.get(keyOf(sub, app))?.instanceId;
  }

  forget(sub: string, app: WorkspaceApp): void {
    this.cache.delete(keyOf(sub, app));
  }

  /** Stops following workspace changes (the proxy is closing). */
  close(): void {
    this.unsubscribe();
  }

  /** The workspace `slug` changed: nothing remembered of it holds any more. */
  private changed(slug: string): void {
    this.generations.set(slug, (this.generations.get(slug) ?? 0) + 1);
    for (const [key, entry] of this.cache) if (entry.slug === slug) this.drop(key, entry);
    for (const [key, look] of this.refreshing) if (look.slug === slug || look.slug === undefined) this.refreshing.delete(key);
  }

  private changedAll(): void {
    this.epoch++;
    for (const [key, entry] of this.cache) this.drop(key, entry);
    this.refreshing.clear();
  }

  private drop(key: string, entry: Entry): void {
    this.cache.delete(key);
    this.dropped(entry.base);
  }

  private refresh(key: string, sub: string, app: WorkspaceApp): Promise<Target> {
    const known = this.refreshing.get(key);
    if (known) return known.pending;
    // The slug is learnt inside the look; until then a change to any workspace ends this look's claim (below).
    const look: { slug: string | undefined; pending: Promise<Target> } = { slug: undefined, pending: Promise.resolve({ kind: "starting" }) };
    const pending = (async (): Promise<Target> => {
      const user = await this.portal.registry.bySub(sub);
      if (!user) return { kind: "starting" };
      look.slug = user.slug;
      return this.lookUntilSettled(key, user, app);
    })().finally(() => {
      if (this.refreshing.get(key)?.pending === pending) this.refreshing.delete(key);
    });
    look.pending = pending;
    this.refreshing.set(key, look);
    return pending;
  }

  private async lookUntilSettled(key: string, user: RegisteredUser, app: WorkspaceApp): Promise<Target> {
    for (let tries = 0; tries < LOOKS; tries++) {
      const seen = this.stamp(user.slug);
      const found = await this.look(user, app);
      if (this.stamp(user.slug) !== seen) continue; // overtaken by a change: what it read may be the old instance's
      const before = this.cache.get(key);
      if (found.kind === "starting") {
        if (before) this.drop(key, before);
        return { kind: "starting" };
      }
      // Found on another instance than before (made anew, moved): the old one's connections lead nowhere of its.
      if (before && (before.base !== found.base || before.instanceId !== found.instanceId)) this.dropped(before.base);
      if (this.following) this.cache.set(key, { base: found.base, until: Date.now() + TTL_MS, slug: user.slug, instanceId: found.instanceId });
      return { kind: "ready", base: found.base, ...(found.instanceId ? { instanceId: found.instanceId } : {}) };
    }
    return { kind: "starting" };
  }

  private stamp(slug: string): string {
    return `${this.epoch}:${this.generations.get(slug) ?? 0}`;
  }

  private async look(user: RegisteredUser, app: WorkspaceApp): Promise<{ kind: "ready"; base: string; instanceId: string | undefined } | { kind: "starting" }> {
    const status = await this.portal.workspaces.status(user).catch(() => null);
    if (!status || status.state !== "running" || !status.ipAddress) return { kind: "starting" };
    let base: string;
    if (app.kind === "port") {
      base = `http://${status.ipAddress}:${app.port}`;
      // A server on 127.0.0.1 only (Jupyter's, Streamlit's default) is reached through a relay in the workspace.
      const listed = (await this.portal.ports.get(user).catch(() => [])).find((p) => p.port === app.port);
      if (listed && !listed.reachable) await this.portal.relays.ensure(user, status.ipAddress, app.port);
    } else {
      // VS Code and Jupyter are started by the portal: not up yet means "start it", not "nothing listens".
      const service = app.kind === "code" ? this.portal.codeServer : this.portal.notebook;
      base = service.baseUrl(status.ipAddress);
      if (!(await service.isUp(base))) return { kind: "starting" };
    }
    return { kind: "ready", base, instanceId: status.containerId };
  }
}

function keyOf(sub: string, app: WorkspaceApp): string {
  return `${sub}\0${appName(app)}`;
}
