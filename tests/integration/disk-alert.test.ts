import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { execInWorkspace } from "../support/workspace-exec";

const SECRET = "disk-alert-secret-disk-alert-secret-01234";
const ann = { sub: "disk-ann", username: "ann" };
const bob = { sub: "disk-bob", username: "bob" };

interface Usage {
  running: boolean;
  diskBytes?: number;
  diskAlert?: { level: "full" | "near"; message: string };
}

describe("a home at or near its disk limit, measured by the portal, says so in the workspace bar", () => {
  let portal: PortalProcess;
  const quotaDir = fs.mkdtempSync(path.join(os.tmpdir(), "disk-alert-"));

  const usage = async (user: { sub: string; username: string }): Promise<Usage> => {
    const response = await fetch(`${portal.url}/api/workspace/usage`, { headers: { cookie: await sessionCookie(SECRET, user) } });
    expect(response.status).toBe(200);
    return (await response.json()) as Usage;
  };
  const start = async (user: { sub: string; username: string }) => {
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie: await sessionCookie(SECRET, user), origin: portal.url } });
    expect(started.status, await started.clone().text()).toBeLessThan(300);
    await expect.poll(async () => (await usage(user)).diskBytes, { timeout: 60_000 }).toBeTypeOf("number");
  };

  beforeAll(async () => {
    // Limits far below what the test writes; homes measured every second instead of every ten minutes.
    const quotas = path.join(quotaDir, "quotas.json");
    fs.writeFileSync(quotas, JSON.stringify({ default: { diskSoft: "2m", diskHard: "4m" } }));
    portal = await startPortal({ AUTH_SECRET: SECRET, QUOTAS_FILE: quotas, DISK_SCAN_SECONDS: "1" });
  });
  afterAll(async () => {
    await portal?.cleanup();
    fs.rmSync(quotaDir, { recursive: true, force: true });
  });

  it("warns near the soft limit, says the home is full at the hard one, and clears once files are deleted", async () => {
    await start(ann);
    await start(bob);
    expect((await usage(ann)).diskAlert).toBeUndefined();

    // Written from inside the workspace, as the user would: 3 MiB, past the soft limit.
    await execInWorkspace(portal, "ann", "head -c 3145728 /dev/zero > /home/user/data-1.bin");
    // Polled until the figure is the whole file's: a scan that ran while the file was being written measured part of
    // it (2.7 MiB on a busy CI machine), and that figure stands until the next scan.
    await expect.poll(async () => (await usage(ann)).diskAlert?.message, { timeout: 30_000 }).toMatch(
      /^Your home is nearly full \(3(\.\d)? MiB of 4 MiB\)\. Delete files you no longer need: past 4 MiB, your workspace cannot start again until you do\.$/,
    );

    // 2 MiB more: past the hard limit. This kernel has no XFS quota, so the write itself succeeds and the alert says
    // what the limit does here.
    await execInWorkspace(portal, "ann", "head -c 2097152 /dev/zero > /home/user/data-2.bin");
    await expect.poll(async () => (await usage(ann)).diskAlert?.message, { timeout: 30_000 }).toMatch(
      /^Your home is full \(5(\.\d)? MiB of 4 MiB\): delete files to continue\. Until you do, your workspace cannot start again once it stops\.$/,
    );
    // Nobody else is told anything.
    expect((await usage(bob)).diskAlert).toBeUndefined();

    await execInWorkspace(portal, "ann", "rm /home/user/data-1.bin /home/user/data-2.bin");
    await expect.poll(async () => (await usage(ann)).diskAlert, { timeout: 30_000 }).toBeUndefined();
  });
});
