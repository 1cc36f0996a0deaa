import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDjangoIdp, type DjangoIdp, type DjangoIdpUser } from "./django-idp";
import { freePort } from "./free-port";
import { startPortal, type PortalProcess } from "./portal-process";
import { startTestPostgres, type TestPostgres } from "./postgres";

/**
 * Several real portal processes (server/index.ts) as one portal: one PostgreSQL database, one Docker instance label,
 * one data root, one sign-in secret, one set of SSH host keys, one identity provider; each on its own HTTP and SSH
 * port, as behind a load balancer.
 */
export interface PortalReplicas {
  processes: PortalProcess[];
  /** The shared database's URL (a database of its own on `postgres`). */
  databaseUrl: string;
  postgres: TestPostgres;
  /** The host keys every process presents (made here with ssh-keygen unless `env` names a directory). */
  hostKeysDir: string;
  /** The Django provider started here when `env` names none (the embedded one refuses a shared database). */
  idp: DjangoIdp | null;
  /** What every process was started with (the database, keys, provider, secret): for one more process started later. */
  env: Record<string, string>;
  /** Stops every process, removes the workspaces and data once, and stops the database if this started it. */
  cleanup(): Promise<void>;
}

export interface ReplicaOptions {
  /** A server to make the database on (kept running at cleanup); one of the replicas' own otherwise. */
  postgres?: TestPostgres;
  /** Variables for one process only, by index (e.g. a different SSH_PORT). */
  perProcess?: Record<number, Record<string, string>>;
  /** Accounts of the Django provider started when `env` has no OIDC_ISSUER. */
  users?: DjangoIdpUser[];
}

const IDP_CLIENT = { id: "scitex-portal-replicas", secret: "replicas-client-secret" };

/**
 * Starts `count` processes one after another (the first makes the schema, the data root's files and the network;
 * the others find them). `env` must carry AUTH_SECRET, which the processes must share and a shared database
 * requires. What it leaves out that a shared database requires, this supplies: SSH host keys (ssh-keygen) and an
 * identity provider (the Django one, with `options.users`), so tests that sign in by cookie need neither.
 */
export async function startPortalReplicas(count: number, env: Record<string, string>, options: ReplicaOptions = {}): Promise<PortalReplicas> {
  if (count < 1) throw new Error("at least one portal process");
  const ownServer = !options.postgres;
  const postgres = options.postgres ?? (await startTestPostgres());
  const processes: PortalProcess[] = [];
  const ownKeys = !env.SSH_HOST_KEYS_DIR;
  const hostKeysDir = env.SSH_HOST_KEYS_DIR ?? makeHostKeys();
  let idp: DjangoIdp | null = null;
  const stopAll = async () => {
    if (ownServer) await postgres.close().catch(() => undefined);
    await idp?.stop();
    if (ownKeys) fs.rmSync(hostKeysDir, { recursive: true, force: true });
  };
  try {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const shared: Record<string, string> = { SSH_HOST_KEYS_DIR: hostKeysDir, ...env, DATABASE_URL: await postgres.newDatabase() };
    if (!env.OIDC_ISSUER) {
      const callbacks = env.PUBLIC_URL ? [env.PUBLIC_URL.replace(/\/$/, "")] : ports.map((port) => `http://127.0.0.1:${port}`);
      idp = await startDjangoIdp({
        users: options.users ?? [],
        clientId: IDP_CLIENT.id,
        clientSecret: IDP_CLIENT.secret,
        redirectUris: callbacks.map((origin) => `${origin}/api/auth/callback/oidc`),
      });
      Object.assign(shared, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: IDP_CLIENT.id, OIDC_CLIENT_SECRET: IDP_CLIENT.secret });
    }
    const first = await startPortal({ ...shared, ...options.perProcess?.[0] }, ports[0]);
    processes.push(first);
    for (let i = 1; i < count; i++) {
      const placement = { instance: first.instance, dataRoot: first.dataRoot, removeWorkspaces: async () => undefined };
      processes.push(await startPortal({ ...shared, ...options.perProcess?.[i] }, ports[i], placement));
    }
    return {
      processes,
      databaseUrl: shared.DATABASE_URL!,
      postgres,
      hostKeysDir,
      idp,
      env: shared,
      cleanup: async () => {
        // The others first: the first one's cleanup removes the workspaces and the data root they share.
        for (const p of processes.slice(1)) await p.stop();
        await first.cleanup();
        await stopAll();
      },
    };
  } catch (error) {
    for (const p of [...processes].reverse()) await p.stop().catch(() => undefined);
    if (processes[0]) await processes[0].cleanup().catch(() => undefined);
    await stopAll();
    throw error;
  }
}

/** SSH host keys as an operator makes them: ssh-keygen's ed25519 key, mode 600, in a directory of their own. */
export function makeHostKeys(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-host-keys-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "portal-replicas", "-f", path.join(dir, "ssh_host_ed25519_key")]);
  return dir;
}
