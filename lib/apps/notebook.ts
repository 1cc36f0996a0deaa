import type { Logger } from "pino";
import type { PortalUser } from "../identity/user";
import { KeyedMutex } from "../util/keyed-mutex";
import { WorkspaceError } from "../workspace/errors";
import type { ProgressListener, WorkspaceManager } from "../workspace/manager";
import { healthy } from "./code-server";
import type { CodeServerSecrets } from "./code-server-secret";

export const NOTEBOOK_PORT = 8888;
const START_TIMEOUT_MS = 60_000;

/**
 * Jupyter Notebook (Debian's, with the workspace's own Python as its kernel) inside a workspace, started on demand.
 * It asks for a token only the portal holds and presents on every proxied request (`Authorization: token …`), so
 * the user never types one and reaching the workspace's address is not enough to open it.
 */
export class NotebookService {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly workspaces: WorkspaceManager,
    readonly tokens: CodeServerSecrets,
    private readonly log: Logger,
    private readonly probe: (url: string) => Promise<boolean> = healthy,
  ) {}

  baseUrl(ipAddress: string): string {
    return `http://${ipAddress}:${NOTEBOOK_PORT}`;
  }

  /** `/api` answers without a token once the server is up. */
  isUp(base: string): Promise<boolean> {
    return this.probe(`${base}/api`);
  }

  /** Starts the workspace and Jupyter as needed; resolves with the address to proxy to. */
  ensure(user: PortalUser, onProgress: ProgressListener = () => {}): Promise<string> {
    return this.locks.run(user.sub, async () => {
      const status = await this.workspaces.ensureRunning(user, onProgress);
      const base = this.baseUrl(status.ipAddress!);
      if (await this.isUp(base)) return base;
      onProgress({ step: "starting", message: "Starting Jupyter Notebook" });
      await this.workspaces.spawn(user, {
        cmd: [
          "jupyter-notebook",
          "--no-browser",
          "--ip=0.0.0.0",
          `--port=${NOTEBOOK_PORT}`,
          "--port-retries=0",
          "--NotebookApp.allow_remote_access=True",
          "--notebook-dir=/home/user",
        ],
        // In the exec's environment, not on its command line or in the container's: `ps` and `docker inspect`
        // show neither.
        env: [`JUPYTER_TOKEN=${this.tokens.for(status.slug)}`],
        workdir: "/home/user",
      });
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        if (await this.isUp(base)) {
          this.log.info({ user: user.username }, "jupyter notebook started");
          onProgress({ step: "ready", message: "Jupyter Notebook is ready" });
          return base;
        }
      }
      throw new WorkspaceError("start_timeout", "Jupyter Notebook did not start within a minute. Run `jupyter-notebook` in a terminal to see why.");
    });
  }
}
