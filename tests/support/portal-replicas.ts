import { startPortal, type PortalProcess } from "./portal-process";
import { startTestPostgres, type TestPostgres } from "./postgres";

/**
 * Several real portal processes (server/index.ts) as one portal: one PostgreSQL database, one Docker instance label,
 * one data root, one sign-in secret; each on its own HTTP and SSH port, as behind a load balancer.
 */
export interface PortalReplicas {
  processes: PortalProcess[];
  /** The shared database's URL (a database of its own on `postgres`). */
  databaseUrl: string;
  postgres: TestPostgres;
  /** Stops every process, removes the workspaces and data once, and stops the database if this started it. */
  cleanup(): Promise<void>;
}

export interface ReplicaOptions {
  /** A server to make the database on (kept running at cleanup); one of the replicas' own otherwise. */
  postgres?: TestPostgres;
  /** Variables for one process only, by index (e.g. a different SSH_PORT). */
  perProcess?: Record<number, Record<string, string>>;
}

/**
 * Starts `count` processes one after another (the first makes the schema, the data root's files and the network;
 * the others find them). `env` must carry everything the processes share that they would otherwise make up each
 * for itself, AUTH_SECRET above all.
 */
export async function startPortalReplicas(count: number, env: Record<string, string>, options: ReplicaOptions = {}): Promise<PortalReplicas> {
  if (count < 1) throw new Error("at least one portal process");
  const ownServer = !options.postgres;
  const postgres = options.postgres ?? (await startTestPostgres());
  const processes: PortalProcess[] = [];
  try {
    const databaseUrl = await postgres.newDatabase();
    const shared = { ...env, DATABASE_URL: databaseUrl };
    const first = await startPortal({ ...shared, ...options.perProcess?.[0] });
    processes.push(first);
    for (let i = 1; i < count; i++) {
      const placement = { instance: first.instance, dataRoot: first.dataRoot, removeWorkspaces: async () => undefined };
      processes.push(await startPortal({ ...shared, ...options.perProcess?.[i] }, undefined, placement));
    }
    return {
      processes,
      databaseUrl,
      postgres,
      cleanup: async () => {
        // The others first: the first one's cleanup removes the workspaces and the data root they share.
        for (const p of processes.slice(1)) await p.stop();
        await first.cleanup();
        if (ownServer) await postgres.close();
      },
    };
  } catch (error) {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    if (processes[0]) await processes[0].cleanup().catch(() => undefined);
    if (ownServer) await postgres.close().catch(() => undefined);
    throw error;
  }
}
