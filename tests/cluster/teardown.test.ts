import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { CLUSTER_PREFIX, CLUSTER_ROOT, clusterCommand, readCluster } from "../support/cluster";

// Runs after the cluster's other files (the sequencer in vitest.config.ts): it takes the shared cluster down.
describe("cluster.sh down", () => {
  it("leaves nothing of the cluster behind: namespaces, links, routes, rules, mounts, cgroups, processes, files", async () => {
    const info = readCluster();
    await clusterCommand("down");

    const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
    const prefix = `${CLUSTER_PREFIX}-`;
    expect(sh("ip", ["netns", "list"]).split("\n").filter((l) => l.startsWith(prefix))).toEqual([]);
    expect(sh("ip", ["-o", "link", "show"]).split("\n").filter((l) => l.includes(` ${prefix}`))).toEqual([]);
    const lab = info.portalAddress.split(".").slice(0, 3).join(".") + ".";
    const ranges = info.network.ranges.split(".").slice(0, 2).join(".") + ".";
    expect(sh("ip", ["route", "show"]).split("\n").filter((l) => l.startsWith(lab) || l.startsWith(ranges))).toEqual([]);
    expect(sh("iptables-save", []).split("\n").filter((l) => l.includes(prefix))).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(CLUSTER_PREFIX))).toEqual([]);
    const cgroups = fs.readdirSync("/sys/fs/cgroup").flatMap((h) => {
      try {
        return fs.readdirSync(`/sys/fs/cgroup/${h}`).filter((d) => d.startsWith(prefix)).map((d) => `${h}/${d}`);
      } catch {
        return [];
      }
    });
    expect(cgroups).toEqual([]);
    const processes = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((pid) => {
      try {
        const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        return cgroup.includes(`:/${prefix}`) || cmdline.includes(`${CLUSTER_ROOT}/`) || cmdline.includes(`/run/netns/${prefix}`);
      } catch {
        return false;
      }
    });
    expect(processes).toEqual([]);
    for (const leftover of [CLUSTER_ROOT, info.homes.path, `/run/${CLUSTER_PREFIX}`]) expect(fs.existsSync(leftover), leftover).toBe(false);
  });
});
