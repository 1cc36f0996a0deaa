import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./free-port";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The deployment's own configuration, as the README gives it: the test fills in its addresses. */
export const HAPROXY_CONFIG = path.join(ROOT, "deploy/haproxy.cfg");

/** One server's row of HAProxy's `show stat`, the fields the tests read. */
export interface ServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, … */
  status: string;
  /** Sessions now, and in all since start (health checks are not sessions). */
  current: number;
  total: number;
}

export interface Haproxy {
  /** The one address browsers use: `http://127.0.0.1:<port>`. */
  url: string;
  httpPort: number;
  sshPort: number;
  stats(): Promise<ServerStat[]>;
  /** Waits until every server of both backends is UP (its health checks pass). */
  allUp(timeoutMs?: number): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Debian's HAProxy (`haproxy`, scripts/ensure-system.sh --test) in front of two portal processes, on
 * deploy/haproxy.cfg with this test's addresses, in the foreground as the test's own child.
 */
export async function startHaproxy(backends: Array<{ httpPort: number; sshPort: number }>, ports?: { http: number; ssh: number }): Promise<Haproxy> {
  if (backends.length !== 2) throw new Error("deploy/haproxy.cfg names two portal processes");
  if (!fs.existsSync("/usr/sbin/haproxy")) throw new Error("HAProxy is not installed: run scripts/setup.sh --test (apt-get install haproxy)");
  const httpPort = ports?.http ?? (await freePort());
  const sshPort = ports?.ssh ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-"));
  const socket = path.join(dir, "stats.sock");
  const env = {
    ...process.env,
    PORTAL_HTTP_BIND: `127.0.0.1:${httpPort}`,
    PORTAL_SSH_BIND: `127.0.0.1:${sshPort}`,
    PORTAL_1_HTTP: `127.0.0.1:${backends[0]!.httpPort}`,
    PORTAL_2_HTTP: `127.0.0.1:${backends[1]!.httpPort}`,
    PORTAL_1_SSH: `127.0.0.1:${backends[0]!.sshPort}`,
    PORTAL_2_SSH: `127.0.0.1:${backends[1]!.sshPort}`,
    HAPROXY_STATS_SOCKET: socket,
  };
  let output = "";
  // -db: foreground, no daemon; -W would fork a master for reloads, which a test does not need.
  const child: ChildProcess = spawn("/usr/sbin/haproxy", ["-db", "-f", HAPROXY_CONFIG], { env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64 * 1024));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);

  const stats = async (): Promise<ServerStat[]> => {
    const text = await ask(socket, "show stat\n");
    const [header, ...rows] = text.split("\n").filter(Boolean);
    if (!header?.startsWith("# ")) throw new Error(`HAProxy's stats socket answered: ${text}`);
    const names = header!.replace(/^# /, "").split(",");
    const at = (name: string) => names.indexOf(name);
    return rows
      .map((row) => row.split(","))
      .filter((cells) => cells[at("svname")] !== "FRONTEND" && cells[at("svname")] !== "BACKEND" && cells.length > 1)
      .map((cells) => ({
        backend: cells[at("pxname")]!,
        server: cells[at("svname")]!,
        status: cells[at("status")]!,
        current: Number(cells[at("scur")]),
        total: Number(cells[at("stot")]),
      }));
  };

  const stop = async () => {
    process.off("exit", onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const deadline = Date.now() + 30_000; !fs.existsSync(socket); ) {
      if (child.exitCode !== null) throw new Error(`HAProxy exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`HAProxy made no stats socket within 30 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `http://127.0.0.1:${httpPort}`,
    httpPort,
    sshPort,
    stats,
    async allUp(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await stats();
        if (rows.length === 4 && rows.every((row) => row.status === "UP")) return;
        if (Date.now() > deadline) throw new Error(`HAProxy's servers are not all up: ${JSON.stringify(rows)}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    logs: () => output,
    stop,
  };
}

/** One command on HAProxy's stats socket, its whole answer. */
function ask(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = net.createConnection(socket);
    let answer = "";
    connection.on("connect", () => connection.end(command));
    connection.on("data", (chunk) => (answer += chunk.toString()));
    connection.on("end", () => resolve(answer));
    connection.on("error", reject);
  });
}
