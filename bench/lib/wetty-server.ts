import path from "node:path";
import { createRequire } from "node:module";
import { freePort } from "./fixtures";
import { startPeer } from "./peer-process";
import { workspaceUser } from "./workspace-user";

export interface WettyServer {
  url: string;
  /** WeTTY's node process (its ptys' `docker exec` clients are processes of their own). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * WeTTY (npm `wetty`) on loopback, its `--command` a `docker exec -it` into the given container with the same
 * user, directory, environment and login shell the portal uses. Run as root on localhost, WeTTY skips ssh/login
 * and spawns `/usr/bin/env -S <command>` in a node-pty (build/server/command.js, spawn.js).
 */
export async function startWetty(containerId: string): Promise<WettyServer> {
  const port = await freePort();
  const require = createRequire(import.meta.url);
  // The package exports only build/server.js; its CLI entry (build/main.js) sits beside it.
  const main = path.join(path.dirname(require.resolve("wetty")), "main.js");
  const command = [
    `docker exec -it -u ${workspaceUser(containerId)} -w /home/user`,
    "-e TERM=xterm-256color -e COLORTERM=truecolor -e LANG=C.UTF-8",
    `${containerId} bash -l`,
  ].join(" ");
  // WeTTY logs "Server started" only at info; waiting for the port works at any log level.
  const args = [main, "--host", "127.0.0.1", "--port", String(port), "--command", command, "--log-level", "warn"];
  const peer = await startPeer("wetty", process.execPath, args, port, { ...process.env, NODE_ENV: "production" });
  return { url: `http://127.0.0.1:${port}`, pid: peer.child.pid, stop: peer.stop };
}
