import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { UserRegistry } from "../../lib/identity/registry";
import { DiskUsageMonitor } from "../../lib/quota/disk-usage";
import { QuotaPolicy } from "../../lib/quota/policy";
import { DiskQuotaError } from "../../lib/quota/quota-error";
import { DockerBackend } from "../../lib/backend/docker/docker-backend";
import { DockerRuntime } from "../../lib/runtime/docker/docker-runtime";
import { openSqliteStore } from "../../lib/store/sqlite";
import { WorkspaceManager } from "../../lib/workspace/manager";
import { DOCKER_SOCKET } from "../support/images";
import { workspaceFixture } from "../support/workspace-fixture";

const MiB = 1024 ** 2;

describe("quotas on the real engine", () => {
  const fx = workspaceFixture();
  afterAll(() => fx.cleanup());
  const quotaFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "quotas-")), "quotas.json");
  fs.writeFileSync(
    quotaFile,
    JSON.stringify({
      default: { diskHard: "1m" },
      groups: { "big-lab": { memory: "768m", pids: 300 } },
      users: { frank: { memory: "384m", cpus: 0.5, diskHard: "50m" } },
    }),
  );
  const policy = QuotaPolicy.load(fx.settings.limits, quotaFile);
  const disk = new DiskUsageMonitor(fx.dataRoot, 0, pino({ level: "silent" }));
  const manager = new WorkspaceManager({
    backend: new DockerBackend(new DockerRuntime(DOCKER_SOCKET), fx.settings),
    registry: new UserRegistry(openSqliteStore(fx.dataRoot).db),
    settings: fx.settings,
    log: pino({ level: "silent" }),
    limitsFor: (user) => policy.for(user).limits,
    beforeStart: async (user) => {
      const hard = policy.for(user).diskHardBytes;
      const used = await disk.measure(user.slug);
      if (hard !== null && used.bytes > hard) throw new DiskQuotaError(used.bytes, hard);
    },
  });
  const inspect = async (user: { sub: string; username: string }) =>
    fx.docker.getContainer((await manager.status(user)).containerId!).inspect();

  it("applies a user's and a group's overrides, visible in docker inspect", async () => {
    const frank = { sub: "q-frank", username: "frank" };
    const gina = { sub: "q-gina", username: "gina", groups: ["big-lab"] };
    await manager.ensureRunning(frank);
    await manager.ensureRunning(gina);
    const f = await inspect(frank);
    expect(f.HostConfig.Memory).toBe(384 * MiB);
    expect(f.HostConfig.NanoCpus).toBe(0.5e9);
    const g = await inspect(gina);
    expect(g.HostConfig.Memory).toBe(768 * MiB);
    expect(g.HostConfig.PidsLimit).toBe(300);
  });

  it("refuses to start a workspace whose home is above its hard limit, and starts it once files are gone", async () => {
    const hank = { sub: "q-hank", username: "hank" };
    await manager.ensureRunning(hank);
    await manager.stop(hank);
    const slug = (await manager.status(hank)).slug;
    const big = path.join(fx.dataRoot, "users", slug, "big.bin");
    fs.writeFileSync(big, Buffer.alloc(3 * MiB, 1));
    const error = await manager.ensureRunning(hank).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskQuotaError);
    expect((error as Error).message).toMatch(/holds 3(\.\d)? MiB, above your limit of 1 MiB/);
    expect((await manager.status(hank)).state).toBe("stopped");
    fs.rmSync(big);
    expect((await manager.ensureRunning(hank)).state).toBe("running");
  });
});
