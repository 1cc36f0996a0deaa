import type { Logger } from "pino";
import type { WorkspaceEvent, WorkspaceManager } from "../workspace/manager";
import type { AppSecrets } from "./code-server-secret";
import { OnDemandServer } from "./on-demand-server";

export const CODE_SERVER_PORT = 8080;

/**
 * VS Code (code-server) inside a workspace, started on demand. It listens on the workspace network and asks for
 * a password that only the portal holds (and presents as code-server's cookie on every proxied request), so
 * reaching the workspace's address is not enough to open it.
 */
export function codeServer(workspaces: WorkspaceManager, secrets: AppSecrets, log: Logger): OnDemandServer {
  return new OnDemandServer(
    {
      title: "VS Code",
      port: CODE_SERVER_PORT,
      healthPath: "/healthz",
      launch: (slug) => ({ cmd: ["start-code-server", "--disable-workspace-trust"], env: [`HASHED_PASSWORD=${secrets.for(slug)}`] }),
      debugHint: "Run `start-code-server` in a terminal to see why.",
    },
    workspaces,
    log,
  );
}

/**
 * CODE_SERVER_AT_START: VS Code is started with every workspace, so opening it costs no wait; off, it starts on
 * the first visit. A failure is only logged: the workspace itself has started.
 */
export function startCodeServerWithWorkspaces(server: OnDemandServer, log: Logger): (event: WorkspaceEvent) => void {
  return (event) => {
    if (event.type !== "started") return;
    void server.ensure(event.user).catch((error: unknown) => log.warn({ err: error, user: event.user.username }, "VS Code did not start with the workspace"));
  };
}
