import type { Logger } from "pino";
import type { PortalUser } from "../identity/user";
import { KeyedMutex } from "../util/keyed-mutex";
import { WorkspaceError } from "../errors/workspace-errors";
import type { ProgressListener, WorkspaceManager } from "../workspace/manager";

const START_TIMEOUT_MS = 60_000;

/** What tells one app server (VS Code, Jupyter) apart: its name, port, health check and how it is started. */
export interface OnDemandServerSpec {
  /** What users call it, in progress and errors. */
  title: string;
  port: number;
  /** Answers 2xx without a credential once the server is up. */
  healthPath: string;
  /** The command, and the credential in the exec's environment (never on its command line or the container's). */
  launch(slug: string): { cmd: string[]; env: string[] };
  /** What to run in a terminal to see why it did not start. */
  debugHint: string;
}

/**
 * An app server inside a workspace that the portal starts when the user first opens it, and only then: the
 * workspace first (with its progress), then the server, waited for until it answers. One start per user at a
 * time; a second caller waits for the first.
 */
export class OnDemandServer {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly spec: OnDemandServerSpec,
    private readonly workspaces: WorkspaceManager,
    private readonly log: Logger,
    private readonly probe: (url: string) => Promise<boolean> = healthy,
  ) {}

  get port(): number {
    return this.spec.port;
  }

  baseUrl(ipAddress: string): string {
    return `http://${ipAddress}:${this.spec.port}`;
  }

  isUp(base: string): Promise<boolean> {
    return this.probe(`${base}${this.spec.healthPath}`);
  }

  /** Starts the workspace and the server as needed; resolves with the address to proxy to. */
  ensure(user: PortalUser, onProgress: ProgressListener = () => {}): Promise<string> {
    return this.locks.run(user.sub, async () => {
      const status = await this.workspaces.ensureRunning(user, onProgress);
      const base = this.baseUrl(status.ipAddress!);
      if (await this.isUp(base)) return base;
      onProgress({ step: "starting", message: `Starting ${this.spec.title}` });
      await this.workspaces.spawn(user, this.spec.launch(status.slug));
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 150));
        if (await this.isUp(base)) {
          this.log.info({ user: user.username }, `${this.spec.title} started`);
          onProgress({ step: "ready", message: `${this.spec.title} is ready` });
          return base;
        }
      }
      throw new WorkspaceError("start_timeout", `${this.spec.title} did not start within a minute. ${this.spec.debugHint}`);
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
