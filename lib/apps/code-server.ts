import type { Logger } from "pino";
import type { PortalUser } from "../identity/user";
import { KeyedMutex } from "../util/keyed-mutex";
import { WorkspaceError } from "../workspace/errors";
import type { ProgressListener, WorkspaceManager } from "../workspace/manager";
import type { CodeServerSecrets } from "./code-server-secret";

export const CODE_SERVER_PORT = 8080;
const START_TIMEOUT_MS = 60_000;

/**
 * VS Code (code-server) inside a workspace, started on demand. It listens on the workspace network and asks for
 * a password that only the portal holds (and presents as code-server's cookie on every proxied request), so
 * reaching the workspace's address is not enough to open it.
 */
export class CodeServerService {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly secrets: CodeServerSecrets,
    private readonly log: Logger,
    private readonly probe: (url: string) => Promise<boolean> = healthy,
  ) {}

  baseUrl(ipAddress: string): string {
    return `http://${ipAddress}:${CODE_SERVER_PORT}`;
  }

  isUp(base: string): Promise<boolean> {
    return this.probe(`${base}/healthz`);
  }

  /** Starts the workspace and code-server as needed; resolves with the address to proxy to. */
  ensure(user: PortalUser, onProgress: ProgressListener = () => {}): Promise<string> {
    return this.locks.run(user.sub, async () => {
      const status = await this.workspaces.ensureRunning(user, onProgress);
      const base = this.baseUrl(status.ipAddress!);
      if (await this.isUp(base)) return base;
      onProgress({ step: "starting", message: "Starting VS Code" });
      // In the exec's environment, not the container's: `docker inspect` of the workspace does not show it.
      await this.workspaces.spawn(user, {
        cmd: ["start-code-server", "--disable-workspace-trust"],
        env: [`HASHED_PASSWORD=${this.secrets.for(status.slug)}`],
      });
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 150));
        if (await this.isUp(base)) {
          this.log.info({ user: user.username }, "code-server started");
          onProgress({ step: "ready", message: "VS Code is ready" });
          return base;
        }
      }
      throw new WorkspaceError(
        "start_timeout",
        "VS Code did not start within a minute. Run `start-code-server` in a terminal to see why.",
      );
    });
  }
}

/** True when `url` answers 2xx within a second (a server coming up answers nothing, or not yet OK). */
export async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
