import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { CLUSTER_PREFIX, CLUSTER_ROOT, clusterCommand, readCluster } from "../support/cluster";

/** Live processes of the cluster (by cgroup or by a path of the cluster's on their command line), described. */
function clusterProcesses(prefix: string): string[] {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const ours = cgroup.includes(`:/${prefix}`) || cmdline.includes(`${CLUSTER_ROOT}/`) || cmdline.includes(`/run/netns/${prefix}`);
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (!ours || state === "Z" || state === "X") return [];
      const freezer = cgroup.split("\n").find((l) => l.includes(":freezer:")) ?? "";
      return [`${pid} (state ${state}, parent ${ppid}, ${freezer}) ${cmdline.slice(0, 120)}`];
    } catch {
      return [];
    }
  });
}

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
    // A killed process can still be on its way out when `down` returns (exiting, or a zombie its new parent, this
    // machine's init, has not reaped yet): such a process is dead. Anything else alive after 10 s is left behind.
    let processes = clusterProcesses(prefix);
    for (let tries = 0; processes.length > 0 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      processes = clusterProcesses(prefix);
    }
    expect(processes).toEqual([]);
    for (const leftover of [CLUSTER_ROOT, info.homes.path, `/run/${CLUSTER_PREFIX}`]) expect(fs.existsSync(leftover), leftover).toBe(false);
  });
});
