import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { openSqliteStore } from "../../lib/store/sqlite";
import { run, workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "uid-alice", username: "alice" };
const bob = { sub: "uid-bob", username: "bob" };
const carol = { sub: "uid-carol", username: "carol" };
const OLD_UID = 1000; // every workspace's uid before each got its own

const hostAccount = (uid: number) => {
  try {
    return execFileSync("getent", ["passwd", String(uid)], { encoding: "utf8" }).trim();
  } catch {
    return ""; // getent exits 2 when there is none
  }
};

describe("each workspace's own host identity", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());

  it("runs each user as a host uid of their own, which is no host account, and owns their home with it", async () => {
    await Promise.all([fx.manager.ensureRunning(alice), fx.manager.ensureRunning(bob)]);
    const [a, b] = await Promise.all([alice, bob].map((u) => run(fx.manager, u, "id -u; id -g; whoami; echo ~; touch ~/made-here")));
    const [aliceUid, aliceGid, aliceName, aliceHome] = a!.stdout.trim().split("\n");
    const [bobUid] = b!.stdout.trim().split("\n");
    expect(aliceUid).not.toBe(bobUid);
    expect(aliceGid).toBe(aliceUid);
    expect(Number(aliceUid)).toBeGreaterThanOrEqual(fx.settings.uidBase);
    expect(aliceName).toBe("user");
    expect(aliceHome).toBe("/home/user");
    for (const uid of [aliceUid, bobUid]) expect(hostAccount(Number(uid))).toBe("");
    const slug = (await fx.manager.status(alice)).slug;
    const home = path.join(fx.dataRoot, "users", slug);
    expect(fs.statSync(home).uid).toBe(Number(aliceUid));
    expect(fs.statSync(path.join(home, "made-here")).uid).toBe(Number(aliceUid));
    // The same number on every start: the home stays theirs.
    await fx.manager.stop(alice);
    await fx.manager.ensureRunning(alice);
    expect((await run(fx.manager, alice, "id -u")).stdout.trim()).toBe(aliceUid);
  });

  it("hands a home owned by the old shared uid over to the user's own, losing no file and following no link", async () => {
    const registry = new UserRegistry(openSqliteStore(fx.dataRoot).db);
    const slug = (await registry.register(carol)).slug;
    const home = path.join(fx.dataRoot, "users", slug);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "outside-"));
    const target = path.join(outside, "not-theirs");
    fs.writeFileSync(target, "host file");
    fs.chownSync(target, OLD_UID, OLD_UID);
    fs.mkdirSync(path.join(home, "project", "data"), { recursive: true });
    fs.writeFileSync(path.join(home, "project", "data", "results.csv"), "a,b\n1,2\n");
    fs.writeFileSync(path.join(home, ".bashrc"), "export KEPT=yes\n");
    fs.symlinkSync(target, path.join(home, "link-out"));
    execFileSync("chown", ["-R", "-h", `${OLD_UID}:${OLD_UID}`, home]);

    await fx.manager.ensureRunning(carol);
    const uid = Number((await run(fx.manager, carol, "id -u")).stdout.trim());
    expect(uid).not.toBe(OLD_UID);
    const out = await run(fx.manager, carol, "cat project/data/results.csv; echo 3,4 >> project/data/results.csv && echo appended; bash -ic 'echo kept=$KEPT' 2>/dev/null");
    expect(out.stdout).toContain("a,b\n1,2\n");
    expect(out.stdout).toContain("appended");
    expect(out.stdout).toContain("kept=yes");
    for (const file of ["", "project", "project/data", "project/data/results.csv", ".bashrc", "link-out"]) {
      expect(fs.lstatSync(path.join(home, file)).uid, file || "home").toBe(uid);
    }
    expect(fs.statSync(target).uid).toBe(OLD_UID); // the link was not followed
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
