import { spawn } from "node:child_process";
import path from "node:path";
import { createRequire } from "node:module";
import { onCleanup, onExitSync } from "./cleanup";
import { freePort } from "../../tests/support/free-port";
import { portAccepts } from "./port-open";
import { sleep } from "./time";

export interface WettyServer {
  url: string;
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
    "docker exec -it -u user -w /home/user",
    "-e TERM=xterm-256color -e COLORTERM=truecolor -e LANG=C.UTF-8",
    `${containerId} bash -l`,
  ].join(" ");
  let output = "";
  const child = spawn(process.execPath, [main, "--host", "127.0.0.1", "--port", String(port), "--command", command, "--log-level", "warn"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  child.stdout.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const unkill = onExitSync(() => child.kill("SIGKILL"));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    unkill();
  };
  onCleanup("wetty", stop);

  // WeTTY logs "Server started" only at info; waiting for the port works at any log level.
  const deadline = Date.now() + 30_000;
  while (!(await portAccepts(port))) {
    if (child.exitCode !== null) throw new Error(`wetty exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`wetty did not listen within 30 s:\n${output}`);
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
