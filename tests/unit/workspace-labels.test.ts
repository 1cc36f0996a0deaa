import { describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";

describe("the Docker labels a workspace is found again by", () => {
  // Containers made by any earlier portal carry these exact names: a change would orphan every workspace.
  it("keeps every name that running containers already carry", () => {
    expect(LABEL).toEqual({
      managed: "org.scitex.portal.managed",
      instance: "org.scitex.portal.instance",
      ownerSub: "org.scitex.portal.owner-sub",
      username: "org.scitex.portal.username",
      slug: "org.scitex.portal.slug",
      spec: "org.scitex.portal.spec",
      imageCopy: "org.scitex.portal.image-copy",
    });
  });
});
