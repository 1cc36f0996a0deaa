import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const canRun = process.getuid?.() === 0 && existsSync("/dev/fuse") && hasCommand("lxcfs");

function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function readsMeminfo(dir: string): boolean {
  try {
    return readFileSync(path.join(dir, "proc/meminfo"), "utf8").startsWith("MemTotal:");
  } catch {
    return false;
  }
}

function pidIn(file: string): number | undefined {
  try {
    return Number(readFileSync(file, "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(!canRun)("scripts/ensure-lxcfs.sh", () => {
  const work = mkdtempSync(path.join(tmpdir(), "lxcfs-recovery-"));
  const mount = path.join(work, "mnt");
  const firstPid = path.join(work, "first.pid");
  const secondPid = path.join(work, "second.pid");
  mkdirSync(mount);

  afterAll(() => {
    for (const file of [firstPid, secondPid]) {
      const pid = pidIn(file);
      if (pid) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
    }
    try {
      execFileSync("umount", ["-l", mount], { stdio: "ignore" });
    } catch {
      /* lxcfs unmounted it on SIGTERM */
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("brings LXCFS back over the dead mount a killed lxcfs leaves behind", async () => {
    spawn("lxcfs", ["-p", firstPid, mount], { detached: true, stdio: "ignore" }).unref();
    await until(() => readsMeminfo(mount), "the first lxcfs to serve meminfo");
    process.kill(pidIn(firstPid)!, "SIGKILL");
    await until(() => !readsMeminfo(mount), "the killed lxcfs's mount to go dead");
    expect(() => readFileSync(path.join(mount, "proc/meminfo"))).toThrow(/ENOTCONN/);

    const out = execFileSync("bash", ["scripts/ensure-lxcfs.sh"], {
      env: { ...process.env, LXCFS_ROOT: mount, LXCFS_PIDFILE: secondPid, LXCFS_LOG: path.join(work, "log") },
      encoding: "utf8",
    });

    expect(out).toContain("removing the dead mount");
    expect(out).toContain("[lxcfs] ready");
    expect(readsMeminfo(mount)).toBe(true);
  });
});
