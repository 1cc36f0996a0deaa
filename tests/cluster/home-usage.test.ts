import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diskAlert } from "../../lib/quota/disk-alert";
import { DiskUsageMonitor } from "../../lib/quota/disk-usage";
import { homeStorage } from "../../lib/quota/from-config";
import { homeLimits } from "../../lib/quota/home-limits";
import type { HomeStorage } from "../../lib/quota/home-storage";
import { QuotaPolicy } from "../../lib/quota/policy";
import { run } from "../../lib/workspace/run";
import { readCluster, type ClusterInfo } from "../support/cluster";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const MIB = 1024 ** 2;
const erin = { sub: "swarm-erin", username: "erin" };

/** Polls `read` every 500 ms until `done` holds of its value, for at most `seconds`; gives the last value. */
async function until<T>(seconds: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const end = Date.now() + seconds * 1000;
  let value = await read();
  while (!done(value) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    value = await read();
  }
  return value;
}

describe("home sizes on the cluster's GlusterFS volume (HOMES_STORAGE=glusterfs)", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  let storage: HomeStorage;
  let disk: DiskUsageMonitor;
  const quotas = new QuotaPolicy({ memoryBytes: 256 * MIB, cpus: 0.5, pids: 100 }, { users: { erin: { diskHard: 64 * MIB } } });

  beforeAll(async () => {
    info = readCluster();
    let limits: ReturnType<typeof homeLimits> | undefined;
    fx = swarmFixture(
      info,
      { HOMES_STORAGE: "glusterfs", HOMES_GLUSTER_CLI: info.homes.glusterCli },
      { homeReady: (...args) => limits!.homeReady(...args), beforeStart: (user) => limits!.beforeStart(user) },
    );
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
    storage = homeStorage(fx.config, log);
    // As the portal wires it (lib/portal.ts): the monitor reads sizes through the homes' storage.
    disk = new DiskUsageMonitor(fx.dataRoot, 0, log, (home) => storage.measure(home));
    limits = homeLimits(quotas, disk, storage);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  const used = async () => (await disk.measure((await fx.manager.ensureRunning(erin)).slug)).bytes;

  it("sees the size of a home move as a workspace on a worker writes and deletes files", async () => {
    const status = await fx.manager.ensureRunning(erin);
    expect(status.state).toBe("running");
    expect(storage.kind).toBe("glusterfs quota");
    const before = await used();
    expect(before).toBeLessThan(MIB);

    const write = await run(fx.manager, erin, ["sh", "-c", "mkdir -p ~/data && for i in 1 2 3 4; do head -c 4194304 /dev/urandom > ~/data/part$i; done && sync"]);
    expect(write.code).toBe(0);
    const grown = await until(30, used, (bytes) => bytes >= before + 16 * MIB);
    expect(grown).toBeGreaterThanOrEqual(before + 16 * MIB);
    expect(grown).toBeLessThan(before + 17 * MIB);

    expect((await run(fx.manager, erin, ["sh", "-c", "rm -r ~/data && sync"])).code).toBe(0);
    expect(await until(30, used, (bytes) => bytes < before + MIB)).toBeLessThan(before + MIB);
  });

  it("stops a write past the user's hard limit, and the user is told their home is full", async () => {
    expect(storage.enforced).toBe(true);
    expect((await fx.manager.ensureRunning(erin)).state).toBe("running");
    // 96 MiB into a 64 MiB limit: the servers refuse the rest, whichever machine writes.
    const write = await run(fx.manager, erin, ["sh", "-c", "timeout 60 dd if=/dev/zero of=$HOME/big bs=1M count=96"]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Disk quota exceeded/);
    const full = await until(30, used, (bytes) => bytes >= 64 * MIB);
    expect(diskAlert(full, { softBytes: null, hardBytes: 64 * MIB, enforced: storage.enforced })).toMatchObject({
      level: "full",
      message: expect.stringContaining('writes fail with "Disk quota exceeded"'),
    });
    expect((await run(fx.manager, erin, ["rm", "-f", "/home/user/big"])).code).toBe(0);
    expect(await until(30, used, (bytes) => bytes < MIB)).toBeLessThan(MIB);
  });
});
