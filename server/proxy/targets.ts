import type { SessionUser } from "../../lib/auth/session-user";
import type { Portal } from "../../lib/portal";
import type { WorkspaceRoute } from "./route";

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

  constructor(private readonly portal: Portal) {}

  /** The upstream base URL, or "starting" when the workspace (or VS Code in it) is not running. */
  async resolve(user: SessionUser, app: WorkspaceRoute["app"]): Promise<Target> {
    const base = this.known(user, app);
    return base === undefined ? this.refresh(keyOf(user, app), user, app) : { kind: "ready", base };
  }

  /** The remembered base URL without waiting, or undefined when only `resolve` can tell. */
  known(user: SessionUser, app: WorkspaceRoute["app"]): string | undefined {
    const key = keyOf(user, app);
    const cached = this.cache.get(key);
    if (!cached) return undefined;
    if (cached.until <= Date.now()) void this.refresh(key, user, app);
    return cached.base;
  }

  forget(user: SessionUser, app: WorkspaceRoute["app"]): void {
    this.cache.delete(keyOf(user, app));
  }

  private refresh(key: string, user: SessionUser, app: WorkspaceRoute["app"]): Promise<Target> {
    let pending = this.refreshing.get(key);
    if (!pending) {
      pending = this.look(key, user, app).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, pending);
    }
    return pending;
  }

  private async look(key: string, user: SessionUser, app: WorkspaceRoute["app"]): Promise<Target> {
    const status = await this.portal.workspaces.status(user).catch(() => null);
    if (!status) {
      this.cache.delete(key);
      return { kind: "starting" };
    }
    if (status.state !== "running" || !status.ipAddress) {
      this.cache.delete(key);
      return { kind: "starting" };
    }
    let base: string;
    if (app.kind === "code") {
      base = this.portal.codeServer.baseUrl(status.ipAddress);
      if (!(await this.portal.codeServer.isUp(base))) {
        this.cache.delete(key);
        return { kind: "starting" };
      }
    } else {
      base = `http://${status.ipAddress}:${app.port}`;
    }
    this.cache.set(key, { base, until: Date.now() + TTL_MS });
    return { kind: "ready", base };
  }
}

function keyOf(user: SessionUser, app: WorkspaceRoute["app"]): string {
  return app.kind === "code" ? `${user.sub}\0code` : `${user.sub}\0${app.port}`;
}
