import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The default order, except that the cluster suite's teardown file (it takes the shared cluster down) runs right
 * after the suite's other files, whatever their cached durations say. */
class ClusterSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isTeardown = (f: TestSpecification) => f.project.name === "cluster" && f.moduleId.endsWith("tests/cluster/teardown.test.ts");
    const rest = sorted.filter((f) => !isTeardown(f));
    rest.splice(rest.findLastIndex((f) => f.project.name === "cluster") + 1, 0, ...sorted.filter(isTeardown));
    return rest;
  }
}

// Four kinds of test, as the README describes: unit (fakes welcome), integration (real Docker, real SSH client),
// e2e (real browser), cluster (the Swarm test cluster of scripts/cluster, as root). Integration, e2e and cluster
// files run one at a time (they share the machine's engines); the cluster suite's teardown file runs after its
// other files.
// expect.poll's own default (1 s) would be a timed assertion on a busy machine; a poll ends as soon as its condition
// holds, so a patient bound costs nothing when things are quick.
const patientPolls = { poll: { timeout: 30_000 } };

export default defineConfig({
  test: {
    sequence: { sequencer: ClusterSequencer },
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          expect: patientPolls,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          expect: patientPolls,
          globalSetup: ["tests/support/docker-global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          expect: patientPolls,
          globalSetup: ["tests/support/docker-global-setup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "cluster",
          include: ["tests/cluster/**/*.test.ts"],
          environment: "node",
          expect: patientPolls,
          globalSetup: ["tests/support/cluster-global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
