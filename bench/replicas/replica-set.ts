import { onCleanup } from "../lib/cleanup";
import { startPortalReplicas, type PortalReplicas, type ReplicaOptions } from "../lib/fixtures";
import { progress } from "../lib/progress";

/** The sign-in secret every process of a set shares (a shared database requires one). */
export const SECRET = "bench-replicas-secret-bench-replicas-0123";

/**
 * `count` real portal processes on one PostgreSQL (tests/support's replicas: host keys and a Django provider
 * made for them), removed at the end of the suite or on Ctrl-C; `done()` removes them earlier.
 */
export async function replicaSet(
  count: number,
  env: Record<string, string>,
  options: ReplicaOptions = {},
): Promise<{ replicas: PortalReplicas; done(): Promise<void> }> {
  const begun = performance.now();
  const replicas = await startPortalReplicas(count, { AUTH_SECRET: SECRET, ...env }, options);
  const forget = onCleanup(`portal replicas ${replicas.processes[0]!.instance}`, () => replicas.cleanup());
  progress(`${count} portal processes up in ${((performance.now() - begun) / 1000).toFixed(1)} s: ${replicas.processes.map((p) => p.url).join(", ")}`);
  return {
    replicas,
    done: async () => {
      forget();
      await replicas.cleanup();
    },
  };
}
