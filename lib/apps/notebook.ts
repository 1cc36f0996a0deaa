import type { Logger } from "pino";
import type { WorkspaceManager } from "../workspace/manager";
import type { AppSecrets } from "./code-server-secret";
import { OnDemandServer } from "./on-demand-server";

export const NOTEBOOK_PORT = 8888;

/**
 * Jupyter Notebook (Debian's, with the workspace's own Python as its kernel) inside a workspace, started on demand.
 * It asks for a token only the portal holds and presents on every proxied request (`Authorization: token …`), so
 * the user never types one and reaching the workspace's address is not enough to open it.
 */
export function notebookServer(workspaces: WorkspaceManager, tokens: AppSecrets, log: Logger): OnDemandServer {
  return new OnDemandServer(
    {
      title: "Jupyter Notebook",
      port: NOTEBOOK_PORT,
      // `/api` answers without a token once the server is up.
      healthPath: "/api",
      launch: (slug) => ({
        cmd: ["jupyter-notebook", "--no-browser", "--ip=0.0.0.0", `--port=${NOTEBOOK_PORT}`, "--port-retries=0", "--NotebookApp.allow_remote_access=True", "--notebook-dir=/home/user"],
        env: [`JUPYTER_TOKEN=${tokens.for(slug)}`],
      }),
      debugHint: "Run `jupyter-notebook` in a terminal to see why.",
    },
    workspaces,
    log,
  );
}
