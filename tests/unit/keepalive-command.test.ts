import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KEEPALIVE_CMD } from "../../lib/workspace/spec";

const root = path.resolve(import.meta.dirname, "../..");

// The portal gives every workspace container KEEPALIVE_CMD itself; the images' own CMDs are what a bare `docker run`
// gets. Kept as one command: the idle stop's process count and the stop's speed both depend on its shape.
describe("the keep-alive command", () => {
  it("is the same in the portal's container spec, the workspace image and the test image", () => {
    const dockerfile = fs.readFileSync(path.join(root, "images/workspace/Dockerfile"), "utf8");
    const cmdLine = dockerfile.split("\n").find((line) => line.startsWith("CMD "));
    expect(cmdLine, "the workspace Dockerfile has a CMD").toBeDefined();
    expect(JSON.parse(cmdLine!.slice(4))).toEqual(KEEPALIVE_CMD);

    const script = fs.readFileSync(path.join(root, "scripts/build-images.sh"), "utf8");
    const idle = /^IDLE_CMD='(.*)'$/m.exec(script)?.[1];
    expect(idle, "build-images.sh sets IDLE_CMD").toBeDefined();
    // The shell's quoting of a single quote inside single quotes ('"'"') spelled back as one quote.
    expect(JSON.parse(idle!.replaceAll(`'"'"'`, "'"))).toEqual(KEEPALIVE_CMD);
  });
});
