import { spawn } from "node:child_process";
import { CLUSTER_SCRIPT } from "./cluster";
import { ensureNextBuild } from "./next-build";
import { TEST_DIST_DIR } from "./portal-process";

/** Runs cluster.sh with its progress lines (each step's time) passed through; rejects when it fails. */
function cluster(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [CLUSTER_SCRIPT, command], { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`cluster.sh ${command} exited with ${code} (its output is above)`))));
  });
}

// One cluster for all the cluster suite's files: up once here, down at the end (tests/cluster/teardown.test.ts
// takes it down first and checks that nothing is left; the second down then finds nothing to do).
// CLUSTER_KEEP=1 leaves it up after the run, for quicker loops on one file (`up` then only checks).
export default async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) {
    throw new Error("The cluster tests make network namespaces, cgroups and mounts: run them as root (npm test does on CI).");
  }
  // The suite's portal files start real portal processes: the pages are built here, not in a test's hook (and
  // before the cluster is up, so a failed build leaves nothing to take down).
  ensureNextBuild(TEST_DIST_DIR);
  try {
    await cluster("up");
  } catch (error) {
    await cluster("down").catch(() => undefined);
    throw error;
  }
  return async () => {
    if (process.env.CLUSTER_KEEP !== "1") await cluster("down");
  };
}
