import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { startPeer } from "../lib/peer-process";
import { freePort } from "../lib/fixtures";

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
  // A token of its own, so its API is not open and it does not warn about a missing one.
  const env = { ...process.env, CONFIGPROXY_AUTH_TOKEN: randomBytes(16).toString("hex") };
  const peer = await startPeer("configurable-http-proxy", process.execPath, [bin, ...args], port, env);
  return { url: `http://127.0.0.1:${port}/`, pid: peer.child.pid!, stop: peer.stop };
}
