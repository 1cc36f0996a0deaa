import { appName, type WorkspaceApp } from "../../lib/apps/app-address";
import type { ListeningPortsCache } from "../../lib/apps/listening-ports";
import type { OnDemandServer } from "../../lib/apps/on-demand-server";
import type { PortRelays } from "../../lib/apps/port-relay";
import type { UserRegistry } from "../../lib/identity/registry";
import type { WorkspaceManager } from "../../lib/workspace/manager";

/** What finding an app's upstream asks: whose workspace, where it runs, what listens in it, VS Code's and Jupyter's. */
export interface TargetDeps {
  registry: Pick<UserRegistry, "bySub">;
  workspaces: Pick<WorkspaceManager, "status">;
  ports: Pick<ListeningPortsCache, "get">;
  relays: Pick<PortRelays, "ensure">;
  codeServer: Pick<OnDemandServer, "baseUrl" | "isUp">;
  notebook: Pick<OnDemandServer, "baseUrl" | "isUp">;
}

export type Target = { kind: "ready"; base: string } | { kind: "starting" };

// Workspace addresses change only when a container is re-created; a short cache keeps Docker off the hot path.
const TTL_MS = 15_000;

/**
 * Where a proxied request goes, without asking Docker on every request. An expired entry keeps serving while one
 * refresh (never one per in-flight request) looks again; a proxy error drops the entry at once.
 */
export class TargetResolver {
  private readonly cache = new Map<string, { base: string; until: number }>();
  private readonly refreshing = new Map<string, Promise<Target>>();

  constructor(private readonly portal: TargetDeps) {}

  /** The upstream base URL, or "starting" when the workspace (or VS Code in it) is not running. */
  async resolve(sub: string, app: WorkspaceApp): Promise<Target> {
    const base = this.known(sub, app);
    return base === undefined ? this.refresh(keyOf(sub, app), sub, app) : { kind: "ready", base };
  }

  /** The remembered base URL without waiting, or undefined when only `resolve` can tell. */
  known(sub: string, app: WorkspaceApp): string | undefined {
    const key = keyOf(sub, app);
    const cached = this.cache.get(key);
    if (!cached) return undefined;
    if (cached.until <= Date.now()) void this.refresh(key, sub, app);
    return cached.base;
  }

  forget(sub: string, app: WorkspaceApp): void {
    this.cache.delete(keyOf(sub, app));
  }

  private refresh(key: string, sub: string, app: WorkspaceApp): Promise<Target> {
    let pending = this.refreshing.get(key);
    if (!pending) {
      pending = this.look(key, sub, app).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, pending);
    }
    return pending;
  }

  private async look(key: string, sub: string, app: WorkspaceApp): Promise<Target> {
    const user = this.portal.registry.bySub(sub);
    const status = user ? await this.portal.workspaces.status(user).catch(() => null) : null;
    if (!status || status.state !== "running" || !status.ipAddress) {
      this.cache.delete(key);
      return { kind: "starting" };
    }
    let base: string;
    if (app.kind === "port") {
      base = `http://${status.ipAddress}:${app.port}`;
      // A server on 127.0.0.1 only (Jupyter's, Streamlit's default) is reached through a relay in the workspace.
      const listed = (await this.portal.ports.get(user!).catch(() => [])).find((p) => p.port === app.port);
      if (listed && !listed.reachable) await this.portal.relays.ensure(user!, status.ipAddress, app.port);
    } else {
      // VS Code and Jupyter are started by the portal: not up yet means "start it", not "nothing listens".
      const service = app.kind === "code" ? this.portal.codeServer : this.portal.notebook;
      base = service.baseUrl(status.ipAddress);
      if (!(await service.isUp(base))) {
        this.cache.delete(key);
        return { kind: "starting" };
      }
    }
    this.cache.set(key, { base, until: Date.now() + TTL_MS });
    return { kind: "ready", base };
  }
}

function keyOf(sub: string, app: WorkspaceApp): string {
  return `${sub}\0${appName(app)}`;
}
