import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./free-port";

const BIN = "/usr/lib/postgresql/15/bin";

/** A PostgreSQL 15 server of the test's own: its data in a temporary directory, on loopback TCP only. */
export interface TestPostgres {
  /** A connection URL for a new, empty database on this server. */
  newDatabase(): Promise<string>;
  /** Stops the server (the data stays): the database is "briefly down". */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts Debian's PostgreSQL 15 (`postgresql-15`, installed by scripts/ensure-system.sh --test) as the `postgres`
 * user, which initdb requires, trusting loopback connections: the server is the test's alone and lives as long
 * as it does.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  if (!fs.existsSync(`${BIN}/postgres`)) throw new Error("PostgreSQL 15 is not installed: run scripts/setup.sh --test (apt-get install postgresql-15)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-pg-"));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, "data");
  const sockets = path.join(dir, "run");
  fs.mkdirSync(sockets);
  execFileSync("chown", ["-R", "postgres:postgres", dir]);
  const postgresUser = { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) };
  execFileSync(`${BIN}/initdb`, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], { stdio: "ignore", cwd: dir, ...postgresUser });
  const port = await freePort();
  let server: ChildProcess | null = null;
  let serial = 0;

  const start = async () => {
    // Run as `postgres` directly (not through runuser, which does not pass SIGINT on): stop() signals the server itself.
    const child = spawn(`${BIN}/postgres`, ["-D", data, "-p", String(port), "-k", sockets, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], {
      stdio: ["ignore", "ignore", "pipe"],
      cwd: dir,
      ...postgresUser,
    });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    server = child;
    for (let waited = 0; ; waited += 100) {
      if (child.exitCode !== null) throw new Error(`PostgreSQL did not start (exit ${child.exitCode}):\n${log}`);
      if (await answers(port)) return;
      if (waited > 60_000) throw new Error(`PostgreSQL did not answer within 60 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stop = async () => {
    const child = server;
    server = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT"); // "fast" shutdown: connections are ended, nothing is waited for
    await exited;
  };
  await start();
  return {
    async newDatabase() {
      const name = `portal_test_${process.pid}_${++serial}`;
      const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answers(port: number): Promise<boolean> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres", connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
