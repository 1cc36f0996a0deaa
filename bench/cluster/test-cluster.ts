import { spawn } from "node:child_process";
import { CLUSTER_SCRIPT, clusterCommand, readCluster, type ClusterInfo } from "../lib/fixtures";
import { onCleanup } from "../lib/cleanup";
import { progress } from "../lib/progress";

/**
 * cluster.sh with its step lines passed to stderr (beside the bench's progress), the caller's CLUSTER_* settings
 * and all; rejects with the exit status when it fails.
 */
export function clusterScript(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [CLUSTER_SCRIPT, ...args], { stdio: ["ignore", process.stderr, process.stderr] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`cluster.sh ${args.join(" ")} exited with ${code} (its output is above)`))));
  });
}

/**
 * The test cluster of the operator's settings (CLUSTER_PREFIX, CLUSTER_LAN, CLUSTER_WS_NET: the same ones the
 * cluster tests read), brought up when it is not, and taken down at the end only then: a cluster someone else
 * brought up (CLUSTER_KEEP=1 after the tests) is left as it was found.
 */
export async function ensureCluster(): Promise<{ info: ClusterInfo; broughtUp: boolean }> {
  if (process.getuid?.() !== 0) throw new Error("the cluster suite makes namespaces, cgroups and mounts through cluster.sh: run it as root");
  const up = await clusterCommand("status").then(
    () => true,
    () => false,
  );
  if (!up) {
    progress("the test cluster is not up: bringing it up (cluster.sh up)");
    onCleanup("the test cluster (cluster.sh down)", () => clusterScript("down"));
    await clusterScript("up");
  } else {
    progress("the test cluster is up already: using it, and leaving it up");
  }
  return { info: readCluster(), broughtUp: !up };
}

/** Sets Swarm's dispatcher heartbeat, and registers putting back the one the cluster had. */
export async function withHeartbeat<T>(heartbeat: string, run: () => Promise<T>): Promise<T> {
  const before = readCluster().heartbeat;
  if (before === heartbeat) return run();
  const restore = () => clusterScript("heartbeat", before);
  const unregister = onCleanup(`the swarm's heartbeat back to ${before}`, restore);
  await clusterScript("heartbeat", heartbeat);
  try {
    return await run();
  } finally {
    await restore();
    unregister();
  }
}
