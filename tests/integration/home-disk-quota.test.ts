import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XfsProjectQuota } from "../../lib/quota/xfs-project-quota";
import { usersRoot } from "../../lib/workspace/home";
import { run, workspaceFixture, type WorkspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "xfs-alice", username: "alice" };
const bob = { sub: "xfs-bob", username: "bob" };
const HARD = 20 * 1024 * 1024;

// Homes on a loopback XFS image mounted with project quotas, as the README advises for a lab.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "xfs-homes-"));
const image = path.join(scratch, "homes.img");
const mountPoint = path.join(scratch, "mnt");
const dataRoot = path.join(mountPoint, "data");
let fx: WorkspaceFixture | undefined;
/** alice's hard limit as the operator has it now (the hook reads it at every start). */
let aliceHard = HARD;

/** Whether this kernel mounts XFS with project quotas (some are built without quota support at all). */
function mountXfs(): string | null {
  try {
    execFileSync("truncate", ["-s", "400M", image]);
    execFileSync("mkfs.xfs", ["-q", image]);
    fs.mkdirSync(mountPoint);
    execFileSync("mount", ["-o", "loop,prjquota", image, mountPoint], { stdio: "pipe" });
    return null;
  } catch (error) {
    return `this kernel cannot mount XFS with project quotas (${String((error as Error).message).split("\n")[0]}); the enforcement is untested here`;
  }
}
const unsupported = mountXfs();
if (unsupported) console.warn(`home-disk-quota: skipped: ${unsupported}`);

beforeAll(() => {
  if (unsupported) return;
  fs.mkdirSync(dataRoot);
  const quota = new XfsProjectQuota(usersRoot(dataRoot), pino({ level: "silent" }));
  fx = workspaceFixture(
    { DATA_ROOT: dataRoot },
    { homeReady: (user, home, uid) => quota.apply(home, uid, user.sub === alice.sub ? { softBytes: aliceHard / 2, hardBytes: aliceHard } : { softBytes: null, hardBytes: null }) },
  );
});

afterAll(async () => {
  await fx?.cleanup();
  try {
    if (!unsupported) execFileSync("umount", [mountPoint]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

describe.skipIf(unsupported !== null)("disk limits enforced by the file system (XFS project quotas)", () => {
  it("stops a write past the hard limit with 'Disk quota exceeded', and nobody else is affected", async () => {
    await Promise.all([fx!.manager.ensureRunning(alice), fx!.manager.ensureRunning(bob)]);
    const full = await run(fx!.manager, alice, "dd if=/dev/zero of=~/big bs=1M count=40 2>&1; ls -l ~/big | awk '{print $5}'");
    expect(full.stdout).toContain("Disk quota exceeded");
    const written = Number(full.stdout.trim().split("\n").at(-1));
    expect(written).toBeLessThanOrEqual(HARD);
    // bob, on the same file system, writes what alice could not.
    const other = await run(fx!.manager, bob, "dd if=/dev/zero of=~/big bs=1M count=40 2>&1 && echo bob-ok");
    expect(other.stdout).toContain("bob-ok");
    // alice frees space and can write again: the limit is on what she holds, not a lock.
    const again = await run(fx!.manager, alice, "rm ~/big && echo small > ~/note && cat ~/note");
    expect(again.stdout).toBe("small\n");
  });

  it("keeps the limit across a stop and start without walking the home again", async () => {
    await fx!.manager.stop(alice);
    await fx!.manager.remove(alice);
    await fx!.manager.ensureRunning(alice);
    const full = await run(fx!.manager, alice, "dd if=/dev/zero of=~/big2 bs=1M count=40 2>&1");
    expect(full.stdout).toContain("Disk quota exceeded");
  });

  it("applies a changed limit at the next start of the same container", async () => {
    const before = await fx!.manager.ensureRunning(alice);
    const id = (await fx!.docker.getContainer(before.containerName).inspect()).Id;
    await fx!.manager.stop(alice);
    aliceHard = 4 * HARD; // the operator raises alice's quota while her workspace is stopped
    try {
      const after = await fx!.manager.ensureRunning(alice);
      expect((await fx!.docker.getContainer(after.containerName).inspect()).Id).toBe(id); // started, not made anew
      const more = await run(fx!.manager, alice, "dd if=/dev/zero of=~/big3 bs=1M count=40 2>&1 && echo written");
      expect(more.stdout).toContain("written");
      expect(more.stdout).not.toContain("Disk quota exceeded");
    } finally {
      aliceHard = HARD;
    }
  });
});
