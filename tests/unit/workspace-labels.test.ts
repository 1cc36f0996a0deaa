import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LABEL, LABEL_PREFIX } from "../../lib/workspace/labels";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

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
      lease: "org.scitex.portal.lease",
      imageCopy: "org.scitex.portal.image-copy",
    });
  });

  it("labels the portal's images with the prefix its containers carry", () => {
    expect(read("scripts/lib/images-common.sh")).toContain(`IMAGES_LABEL_PREFIX="${LABEL_PREFIX}"`);
    const dockerfile = read("images/workspace/Dockerfile").replace(/\\\n/g, " ");
    const keys = [...dockerfile.matchAll(/^LABEL\s+(.*)$/gm)].flatMap((m) => [...m[1]!.matchAll(/([\w.-]+)=/g)].map((k) => k[1]!));
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) expect(key.startsWith(LABEL_PREFIX), key).toBe(true);
  });
});
