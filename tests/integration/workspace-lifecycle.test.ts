import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import type { StartProgress } from "../../lib/workspace/types";
import { WORKSPACE_IMAGE } from "../support/images";
import { run, workspaceFixture } from "../support/workspace-fixture";

const alice = { sub: "sub-alice-1", username: "alice" };
const bob = { sub: "sub-bob-2", username: "Dr.Bob_O'Neil+test" };

describe("workspace lifecycle on the real Docker engine", () => {
  const fx = workspaceFixture({ WORKSPACE_IMAGE });
  afterAll(() => fx.cleanup());

  it("runs the scientific Python stack in the workspace image", async () => {
    const progress: StartProgress[] = [];
    const status = await fx.manager.ensureRunning(alice, (p) => progress.push(p));
    expect(status.state).toBe("running");
    expect(progress.map((p) => p.step)).toEqual(["checking", "creating", "starting", "ready"]);
    const result = await run(fx.manager, alice, "python3 -c 'import numpy, pandas, matplotlib; print(numpy.__version__)'");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+/);
  });

  it("keeps files in home across stop, start, remove and re-create", async () => {
    expect((await run(fx.manager, alice, "echo 'results v1' > ~/notes.txt && id -un && pwd")).stdout).toBe("user\n/home/user\n");

    expect((await fx.manager.stop(alice)).state).toBe("stopped");
    expect((await fx.manager.status(alice)).state).toBe("stopped");
    await fx.manager.ensureRunning(alice);
    expect((await run(fx.manager, alice, "cat ~/notes.txt")).stdout).toBe("results v1\n");

    await fx.manager.remove(alice);
    expect((await fx.manager.status(alice)).state).toBe("none");
    const slug = (await fx.manager.status(alice)).slug;
    const onHost = path.join(fx.dataRoot, "users", slug, "notes.txt");
    expect(fs.readFileSync(onHost, "utf8")).toBe("results v1\n");
    expect(fs.statSync(onHost).uid).toBe(await fx.manager.uidOf({ ...alice, slug })); // the user's own host uid

    await fx.manager.ensureRunning(alice);
    expect((await run(fx.manager, alice, "cat ~/notes.txt")).stdout).toBe("results v1\n");
  });

  it("gives two users separate containers and home directories", async () => {
    await fx.manager.ensureRunning(bob);
    const a = await fx.manager.status(alice);
    const b = await fx.manager.status(bob);
    expect(a.containerId).not.toBe(b.containerId);
    expect(a.slug).not.toBe(b.slug);
    expect((await run(fx.manager, bob, "cat ~/notes.txt 2>&1; ls -A ~")).stdout).toMatch(/No such file/);

    const inspected = await fx.docker.getContainer(b.containerId!).inspect();
    expect(inspected.Config.Labels[LABEL.ownerSub]).toBe(bob.sub);
    expect(inspected.Config.Labels[LABEL.username]).toBe(bob.username);
    const identity = path.join(fx.dataRoot, "identity", "users", b.slug);
    expect(inspected.HostConfig.Binds).toEqual([
      `${path.join(fx.dataRoot, "users", b.slug)}:/home/user`,
      `${identity}/passwd:/etc/passwd:ro`,
      `${identity}/group:/etc/group:ro`,
      // LXCFS's view of /proc, where this machine serves it: read-only, nothing else of the host.
      ...fx.settings.procBinds.map((bind) => `${bind.source}:${bind.target}:ro`),
    ]);
  });

  it("re-adopts running and stopped workspaces after a portal restart", async () => {
    await fx.manager.stop(bob);
    const restarted = fx.newManager();
    expect((await restarted.status(alice)).state).toBe("running");
    expect((await restarted.status(bob)).state).toBe("stopped");
    const listed = await restarted.list();
    expect(listed.map((w) => w.username).sort()).toEqual([alice.username, bob.username].sort());
    await restarted.ensureRunning(bob);
    expect((await run(restarted, bob, "echo back")).stdout).toBe("back\n");
  });
});
