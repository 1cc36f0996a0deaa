import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KEEPALIVE_CMD, WORKSPACE_CMD } from "../../lib/workspace/spec";

const root = path.resolve(import.meta.dirname, "../..");

// The images' own CMDs are what a bare `docker run` gets: the keep-alive without the lease (no home of the portal's
// is bound there). The portal gives every workspace WORKSPACE_CMD, the same loop that first takes the lease.
// Kept as one command: the idle stop's process count and the stop's speed both depend on its shape.
describe("the keep-alive command", () => {
  it("is the same in the workspace image and the test image", () => {
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

  it("is what the portal's workspace command runs once it holds the lease: the same shell, the same stop on SIGTERM", () => {
    expect(WORKSPACE_CMD.slice(0, 2)).toEqual(KEEPALIVE_CMD.slice(0, 2));
    expect(WORKSPACE_CMD[2]!.startsWith("trap 'exit 0' TERM; ")).toBe(true);
    expect(KEEPALIVE_CMD[2]!.startsWith("trap 'exit 0' TERM; ")).toBe(true);
  });
});
