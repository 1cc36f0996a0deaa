import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { onCleanup, onExitSync } from "../lib/cleanup";
import { sleep } from "../lib/time";
import { freePort } from "../../tests/support/free-port";

export interface ChpServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * configurable-http-proxy (JupyterHub's proxy: node-http-proxy with a keep-alive agent) on loopback, its default
 * route the workspace's code-server, so the same paths work through it as directly. It is the reference the
 * portal's proxy is compared with; its log level is warn so it does no per-request logging either.
 */
export async function startChp(target: string): Promise<ChpServer> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve("configurable-http-proxy/package.json")), "bin", "configurable-http-proxy");
  const args = ["--ip", "127.0.0.1", "--port", String(port), "--api-ip", "127.0.0.1", "--api-port", String(apiPort)];
  args.push("--default-target", target, "--log-level", "warn");
  let output = "";
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    // A token of its own, so its API is not open and it does not warn about a missing one.
    env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: randomBytes(16).toString("hex") },
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
  onCleanup("configurable-http-proxy", stop);

  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`configurable-http-proxy exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`configurable-http-proxy did not listen within 30 s:\n${output}`);
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid!, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
