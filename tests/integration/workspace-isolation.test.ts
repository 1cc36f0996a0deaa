import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, workspaceFixture } from "../support/workspace-fixture";
import { hostCanConnect } from "../support/can-connect";

const alice = { sub: "iso-alice", username: "alice" };
const bob = { sub: "iso-bob", username: "bob" };

describe("workspace isolation and limits", () => {
  const fx = workspaceFixture({ WORKSPACE_MEMORY: "128m", WORKSPACE_CPUS: "0.5", WORKSPACE_PIDS: "64", WORKSPACE_TMP_SIZE: "16m" });
  afterAll(() => fx.cleanup());
  beforeAll(async () => {
    await Promise.all([fx.manager.ensureRunning(alice), fx.manager.ensureRunning(bob)]);
  });

  it("applies the configured limits and hardening", async () => {
    const { containerId } = await fx.manager.status(alice);
    const info = await fx.docker.getContainer(containerId!).inspect();
    expect(info.HostConfig.Memory).toBe(128 * 1024 ** 2);
    expect(info.HostConfig.MemorySwap).toBe(128 * 1024 ** 2);
    expect(info.HostConfig.NanoCpus).toBe(0.5e9);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.Init).toBe(true);
    const uid = await fx.manager.uidOf({ ...alice, slug: (await fx.manager.status(alice)).slug });
    expect(info.Config.User).toBe(`${uid}:${uid}`);
    expect((await run(fx.manager, alice, "id -u; grep NoNewPrivs /proc/self/status")).stdout).toMatch(new RegExp(`^${uid}\\nNoNewPrivs:\\s+1`));
  });

  it("shows programs inside the workspace's own memory and CPUs, not the host's (LXCFS)", async (ctx) => {
    if (!fx.settings.procBinds.some((b) => b.target === "/proc/meminfo")) {
      ctx.skip("LXCFS is not serving /var/lib/lxcfs on this machine (scripts/ensure-lxcfs.sh says why)");
    }
    const seen = (await run(fx.manager, alice, "head -1 /proc/meminfo; grep -c ^processor /proc/cpuinfo")).stdout;
    expect(seen).toMatch(/^MemTotal:\s+131072 kB\n1\n$/);
  });

  it("cannot fill the host's disk through the container: the root is read-only and scratch space is bounded", async () => {
    const out = await run(
      fx.manager,
      alice,
      "dd if=/dev/zero of=/tmp/big bs=1M count=32; echo tmp=$?; head -c 1000 /dev/zero > /var/tmp/small && echo vartmp-ok; " +
        "touch /x 2>&1; mkdir /etc/mine 2>&1; echo home > ~/kept && echo home-ok",
    );
    expect(out.stderr).toContain("No space left on device");
    expect(out.stdout).toContain("tmp=1");
    expect(out.stdout).toContain("vartmp-ok");
    expect(out.stdout.match(/Read-only file system/g)?.length).toBe(2);
    expect(out.stdout).toContain("home-ok");
    const { containerId } = await fx.manager.status(alice);
    const info = (await fx.docker.getContainer(containerId!).inspect({ size: true } as never)) as unknown as {
      HostConfig: { ReadonlyRootfs: boolean };
      SizeRw?: number;
    };
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.SizeRw ?? 0).toBeLessThan(1024 * 1024);
    await run(fx.manager, alice, "rm -f /tmp/big");
  });

  it("kills a process that allocates past the memory limit, and the workspace lives on", async () => {
    const hog = await run(fx.manager, alice, 'x=$(head -c 400000000 /dev/zero | tr "\\0" a); echo survived ${#x}');
    expect(hog.stdout).not.toContain("survived");
    expect(hog.code).toBe(137);
    expect((await run(fx.manager, alice, "echo still here")).stdout).toBe("still here\n");
  });

  it("stops a fork bomb at the pids limit", async () => {
    const bomb = await fx.manager.exec(alice, { cmd: ["bash", "-c", "b(){ b | b & }; b"], tty: false });
    bomb.stdout.resume();
    bomb.stderr.resume();
    await new Promise((r) => setTimeout(r, 3000));
    const { containerId } = await fx.manager.status(alice);
    const pids = (await fx.docker.getContainer(containerId!).stats({ stream: false })) as { pids_stats: { current: number } };
    expect(pids.pids_stats.current).toBeLessThanOrEqual(64);
    expect(pids.pids_stats.current).toBeGreaterThan(32); // it really tried
    bomb.detach();
    // The owner gets their workspace back by stopping and starting it.
    await fx.manager.stop(alice);
    await fx.manager.ensureRunning(alice);
    expect((await run(fx.manager, alice, "echo recovered")).stdout).toBe("recovered\n");
  });

  it("lets the portal reach a workspace's port 8080 but not another workspace", async () => {
    const server = await fx.manager.exec(bob, { cmd: ["httpd", "-f", "-p", "8080", "-h", "/home/user"], tty: false });
    server.stdout.resume();
    server.stderr.resume();
    const bobStatus = await fx.manager.status(bob);
    const bobIp = bobStatus.ipAddress!;
    expect(bobIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await expect.poll(() => hostCanConnect(bobIp, 8080, 3000), { timeout: 30_000 }).toBe(true);

    const probe = `timeout 3 bash -c 'echo > /dev/tcp/${bobIp}/8080' 2>/dev/null && echo open || echo closed`;
    expect((await run(fx.manager, bob, probe)).stdout).toBe("open\n"); // the server is really there
    expect((await run(fx.manager, alice, probe)).stdout).toBe("closed\n");
    server.detach();
  });
});
