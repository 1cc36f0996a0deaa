import { BaseSequencer, type TestSpecification } from "vitest/node";

const TEARDOWN = "tests/cluster/teardown.test.ts";

/**
 * The default order, except that the cluster suite's teardown file (which takes the shared cluster down) runs right
 * after the suite's other files, whatever their cached durations say.
 */
export class ClusterSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isTeardown = (f: TestSpecification) => f.project.name === "cluster" && f.moduleId.endsWith(TEARDOWN);
    const rest = sorted.filter((f) => !isTeardown(f));
    const lastOfCluster = rest.findLastIndex((f) => f.project.name === "cluster");
    rest.splice(lastOfCluster + 1, 0, ...sorted.filter(isTeardown));
    return rest;
  }
}
