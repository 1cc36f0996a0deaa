import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWorkspaceError } from "../../lib/errors/workspace-errors";
import { readCluster, type ClusterInfo } from "../support/cluster";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const frank = { sub: "swarm-frank", username: "frank" };

describe("a swarm whose pinned workspace image is not at its registry", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  let missing: string;
  beforeAll(() => {
    info = readCluster();
    // The test image's repository at the registry, pinned to a digest nobody pushed.
    missing = `${info.images.test.split("@")[0]}@sha256:${"0".repeat(64)}`;
    fx = swarmFixture(info, { WORKSPACE_IMAGE: missing });
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it("tells the user opening their workspace that it cannot start, and what the operator must push", async () => {
    const error = await fx.manager.ensureRunning(frank).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isWorkspaceError(error) && error.code).toBe("image_missing");
    const message = (error as Error).message;
    expect(message).toContain(`The workspace image "${missing}" is not in the cluster's registry (${info.registry.address}`);
    expect(message).toContain("bash scripts/cluster/cluster.sh push-image workspace");
    // Nothing was made for it on the swarm: the check comes before any service.
    expect(await fx.backend.find((await fx.manager.status(frank)).slug)).toBeNull();
  });
});
