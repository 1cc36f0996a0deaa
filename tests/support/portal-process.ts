import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { removeInstance } from "./docker-cleanup";
import { freePort } from "./free-port";
import { DOCKER_SOCKET, TEST_IMAGE } from "./images";
import { ensureNextBuild } from "./next-build";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Where test portals' pages are built; `npm run up` and `npm start` use `.next`. */
export const TEST_DIST_DIR = ".next-test";

export interface PortalProcess {
  url: string;
  port: number;
  sshPort: number;
  instance: string;
  dataRoot: string;
  docker: Docker;
  /** The running portal's process id (for its memory, in the benchmark). */
  pid(): number | undefined;
  logs(): string;
  /** Ends the process (SIGTERM, or the given signal) and waits for it to exit; workspaces stay. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the same portal again on the same port and data (a restart). */
  restart(): Promise<void>;
  /** Stops the process and removes its workspaces, network and data. */
  cleanup(): Promise<void>;
}

export { freePort } from "./free-port";

/** Where a portal's workspaces and data live when not on this host's engine and in a temporary directory. */
export interface PortalPlacement {
  instance: string;
  /** An existing, empty directory the portal owns (removed at cleanup). */
  dataRoot: string;
  /** Removes every workspace the instance made (on one host: its containers, network and firewall rules). */
  removeWorkspaces(): Promise<void>;
}

/** The real portal (server/index.ts) as a child process on its own port, data root and Docker instance label. */
export async function startPortal(env: Record<string, string> = {}, port?: number, placement?: PortalPlacement): Promise<PortalProcess> {
  const listenPort = port ?? (await freePort());
  const sshPort = await freePort();
  const instance = placement?.instance ?? `e${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const dataRoot = placement?.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), "portal-e2e-"));
  const url = `http://127.0.0.1:${listenPort}`;
  const fullEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    // "test": the built pages (as in production) with the embedded identity provider (refused in production).
    NODE_ENV: "test",
    NEXT_TELEMETRY_DISABLED: "1",
    PORTAL_NEXT_DIST_DIR: TEST_DIST_DIR,
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: String(listenPort),
    SSH_PORT: String(sshPort),
    PUBLIC_URL: url,
    DATA_ROOT: dataRoot,
    DOCKER_SOCKET,
    PORTAL_INSTANCE: instance,
    WORKSPACE_IMAGE: TEST_IMAGE,
    WORKSPACE_NAME_PREFIX: `${instance}-`,
    WORKSPACE_NETWORK: `${instance}-net`,
    WORKSPACE_MEMORY: "512m",
    WORKSPACE_CPUS: "1",
    WORKSPACE_STOP_TIMEOUT_SECONDS: "2",
    ...env,
  };
  // Development mode (the README's `npm run up`) compiles pages itself, on demand.
  if (fullEnv.NODE_ENV !== "development") ensureNextBuild(fullEnv.PORTAL_NEXT_DIST_DIR!);
  let output = "";
  let child: ChildProcess | null = null;

  const launch = async () => {
    // PORTAL_NODE_ARGS: extra flags for the portal's node (e.g. `--cpu-prof`), which NODE_OPTIONS refuses.
    const nodeArgs = (process.env.PORTAL_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "server/index.ts"], {
      cwd: ROOT,
      env: fullEnv as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const from = output.length; // a restart must see its own "listening", not the previous process's
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`portal did not start within 90 s:\n${output}`)), 90_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.slice(from).includes('"portal listening"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`portal exited with ${code} before listening:\n${output}`));
      });
    });
  };

  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  };

  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  const portal: PortalProcess = {
    url,
    port: listenPort,
    sshPort: Number(fullEnv.SSH_PORT),
    instance,
    dataRoot,
    docker,
    pid: () => child?.pid,
    logs: () => output,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    cleanup: async () => {
      await stop();
      if (placement) await placement.removeWorkspaces();
      else await removeInstance(docker, instance, fullEnv.WORKSPACE_NAME_PREFIX!, fullEnv.WORKSPACE_NETWORK!);
      fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
  process.once("exit", () => child?.kill("SIGKILL"));
  await launch();
  return portal;
}
