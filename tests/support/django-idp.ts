import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./free-port";
import { fileURLToPath } from "node:url";

/**
 * A real Django site with stock django-oauth-toolkit (Debian's 1.7) as OpenID Connect provider, so the portal's
 * sign-in is tested against the provider it meets in production rather than against a mock of our own making.
 */
export interface DjangoIdpUser {
  username: string;
  password: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}
export interface DjangoIdpOptions {
  users: DjangoIdpUser[];
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  port?: number;
}
export interface DjangoIdp {
  /** `http://127.0.0.1:<port>/o`; discovery is at `${issuer}/.well-known/openid-configuration/` (slash only). */
  issuer: string;
  port: number;
  baseUrl: string;
  stop(): Promise<void>;
  /** The `sub` claim the IdP gives that user. */
  userSub(username: string): Promise<string>;
  /** Changes a user as the site's admin would (saved through the model: the site's signals run). */
  setUser(username: string, change: { active?: boolean; staff?: boolean; groups?: string[] }): Promise<void>;
  /** Freezes the server (SIGSTOP): requests to it hang, as to a site that stopped answering. */
  pause(): void;
  resume(): void;
}

// Debian's packages live in its own python; a pyenv python earlier on PATH would not see them.
const PYTHON = "/usr/bin/python3";
const PROJECT_DIR = fileURLToPath(new URL("./django-idp/", import.meta.url));
const START_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 64 * 1024;

/** Throws a message saying what to install when Debian's Django or django-oauth-toolkit is missing. */
export function assertDjangoIdpPackages(): void {
  const probe = spawnSync(PYTHON, ["-c", "import django, oauth2_provider"], { env: pythonEnv({}), encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      "Debian packages python3-django and python3-django-oauth-toolkit are required: " +
        `apt-get install -y python3-django python3-django-oauth-toolkit (${PYTHON}: ${(probe.stderr || String(probe.error)).trim()})`,
    );
  }
}

export async function startDjangoIdp(options: DjangoIdpOptions): Promise<DjangoIdp> {
  assertDjangoIdpPackages();
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}/o`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "django-idp-"));
  const env = pythonEnv({ DJANGO_IDP_STATE_DIR: stateDir, DJANGO_IDP_ISSUER: issuer });
  let server: ChildProcess | undefined;
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  // A failed test or a crashed runner must not leave a server behind; 'exit' handlers must be synchronous.
  const onExit = () => {
    killGroup(server, "SIGKILL");
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (server && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server!.once("exit", resolve));
        killGroup(server, "SIGTERM");
        killGroup(server, "SIGCONT"); // a paused server hears SIGTERM only once it runs again
        const timer = setTimeout(() => killGroup(server, "SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.off("exit", onExit);
      fs.rmSync(stateDir, { recursive: true, force: true });
    })());

  try {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(path.join(stateDir, "oidc.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    const configPath = path.join(stateDir, "setup.json");
    const client = { id: options.clientId, secret: options.clientSecret, redirectUris: options.redirectUris };
    fs.writeFileSync(configPath, JSON.stringify({ users: options.users, client }));
    const setupOutput = await runPython(["manage.py", "setup_idp", configPath], env);
    const subs = JSON.parse(setupOutput.trim().split("\n").pop()!).subs as Record<string, string>;

    // Own process group, so stop() reaches anything runserver might spawn.
    server = spawn(PYTHON, ["manage.py", "runserver", `127.0.0.1:${port}`, "--noreload"], {
      cwd: PROJECT_DIR,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", keep);
    server.stderr!.on("data", keep);
    await waitForDiscovery(`${issuer}/.well-known/openid-configuration/`, server, () => output);

    return {
      issuer,
      port,
      baseUrl,
      stop,
      async userSub(username) {
        const sub = subs[username];
        if (sub === undefined) throw new Error(`The Django IdP has no user ${JSON.stringify(username)}`);
        return sub;
      },
      async setUser(username, change) {
        await runPython(["manage.py", "set_user", username, JSON.stringify(change)], env);
      },
      pause: () => killGroup(server, "SIGSTOP"),
      resume: () => killGroup(server, "SIGCONT"),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", ...extra };
  // Whatever the developer's python set-up says must not redirect Debian's python to other packages.
  for (const name of ["PYTHONHOME", "PYTHONPATH", "DJANGO_SETTINGS_MODULE"]) delete env[name];
  return env;
}

function runPython(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`Django IdP: \`${args.join(" ")}\` failed (${code}):\n${stderr}${stdout}`)),
    );
  });
}

async function waitForDiscovery(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProblem = "";
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`Django IdP exited (${server.exitCode ?? server.signalCode}) before serving ${url}:\n${output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      lastProblem = `HTTP ${res.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Django IdP did not serve ${url} within ${START_TIMEOUT_MS} ms (${lastProblem}):\n${output()}`);
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

