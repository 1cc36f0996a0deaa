import { describe, expect, it } from "vitest";
import { ImageMissingError } from "../../lib/errors/workspace-errors";
import { imageNotInRegistry, registryOf } from "../../lib/backend/swarm/start-failure";

const DIGEST = `sha256:${"0".repeat(64)}`;

describe("a swarm's workspace image missing at its registry", () => {
  it("names the registry the reference points at", () => {
    expect(registryOf(`10.0.0.5:5000/scitex-portal/workspace@${DIGEST}`)).toBe("10.0.0.5:5000");
    expect(registryOf(`registry.example.org/lab/workspace@${DIGEST}`)).toBe("registry.example.org");
    expect(registryOf(`localhost/workspace@${DIGEST}`)).toBe("localhost");
    expect(registryOf(`scitex-portal/workspace@${DIGEST}`)).toBe("Docker Hub");
  });

  it("tells the user no workspace can start, and the operator to push the image and pin its digest", () => {
    const error = imageNotInRegistry(`10.0.0.5:5000/scitex-portal/workspace@${DIGEST}`, "10.0.0.11:2376");
    expect(error).toBeInstanceOf(ImageMissingError);
    expect(error.code).toBe("image_missing");
    expect(error.message).toMatch(/^The workspace image ".*" is not in the cluster's registry \(10\.0\.0\.5:5000, asked by the swarm manager at 10\.0\.0\.11:2376\), so no workspace can start\./);
    expect(error.message).toContain("push the image there and set WORKSPACE_IMAGE to the digest it was pushed as");
    expect(error.message).toContain("bash scripts/cluster/cluster.sh push-image workspace");
    // Nothing of the single host's advice, which would send the operator to the wrong machine.
    expect(error.message).not.toContain("npm run images");
  });
});
