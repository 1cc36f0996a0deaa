import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NODE_FENCE } from "../../lib/backend/node-fence";
import { leaseCommand } from "../../lib/workspace/lease";

const homes: string[] = [];
afterEach(() => {
  for (const dir of homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the lease command in a home of its own until it holds the lease, sends it `signal`, and gives its exit status. */
async function endWith(signal: NodeJS.Signals): Promise<number | null> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "fence-home-"));
  homes.push(home);
  const [cmd, ...args] = leaseCommand(home);
  const child = spawn(cmd!, args, { stdio: "ignore" });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Held once its fd 9 is the lease file.
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(`/proc/${child.pid}/fd/9`)) {
    if (Date.now() > deadline) throw new Error("the lease command never took its lease");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill(signal);
  return exited;
}

describe("the workspace's first process, told to stop", () => {
  it("ends with the node fence's status on the watchdog's signal, so the portal starts it again", async () => {
    expect(await endWith(`SIG${NODE_FENCE.signal}`)).toBe(NODE_FENCE.exitCode);
  });

  it("ends with 0 on SIGTERM, as a stop asks", async () => {
    expect(await endWith("SIGTERM")).toBe(0);
  });
});
