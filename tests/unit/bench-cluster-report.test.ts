import { describe, expect, it } from "vitest";
import { clusterBenchConfig } from "../../bench/cluster/config";
import { summarizeCopies } from "../../bench/cluster/copies";
import { bytesLost, renderReport, slowestBack } from "../../bench/cluster/report";
import type { ClusterResults, LossRound } from "../../bench/cluster/results";

const MiB = 1024 * 1024;

function round(heartbeat: string, readyAt: (number | undefined)[], lost: (number | undefined)[] = readyAt.map(() => 0)): LossRound {
  return {
    heartbeat,
    victim: "scxc-n2",
    killSeconds: 0.4,
    downAt: 5.1,
    waitSeconds: 60,
    elsewhere: 2,
    workspaces: readyAt.map((at, i) => ({
      slug: `u${i}`,
      ...(at === undefined ? {} : { runningAt: at - 1, readyAt: at, node: "scxc-n3" }),
      bytesWritten: MiB,
      ...(lost[i] === undefined ? {} : { bytesLost: lost[i], checkedIn: at === undefined ? ("storage" as const) : ("workspace" as const) }),
    })),
  };
}

function results(over: Partial<ClusterResults> = {}): ClusterResults {
  return {
    open: { host: { cold: [1.2, 1.4], warm: [1.0, 1.1], hot: [0.1, 0.2] }, swarm: { cold: [2.5, 3.0], warm: [1.9, 2.4], hot: [0.3, 0.4] } },
    slot: { host: [{ stopSeconds: 0.3, admittedSeconds: 0.35 }], swarm: [{ stopSeconds: 3.9, admittedSeconds: 4.0 }, { stopSeconds: 5.5, admittedSeconds: 5.6 }] },
    loss: [],
    list: {},
    heartbeat: "5s",
    load: { start: 1, end: 2, cpus: 2 },
    errors: [],
    ...over,
  };
}

/** The verdict column of a goal's row in the printed report. */
function verdict(report: string, goal: string): string {
  const line = report.split("\n").find((l) => l.startsWith(goal));
  if (!line) throw new Error(`no goal row "${goal}" in:\n${report}`);
  return line.trim().split(/\s{2,}/).at(-1)!;
}

describe("the cluster bench's node-loss figures", () => {
  it("take the slowest workspace back, and say how many did not come back when any did not", () => {
    expect(slowestBack(round("5s", [14.2, 16.8]))).toEqual({ value: 16.8 });
    expect(slowestBack(round("5s", [14.2, undefined, undefined]))).toEqual({
      value: Number.POSITIVE_INFINITY,
      shown: "2 of 3 did not come back within 60 s",
    });
    expect(Number.isNaN(slowestBack(round("5s", [])).value)).toBe(true);
  });

  it("count bytes lost over every round, and a file never read back as unknown rather than safe", () => {
    expect(bytesLost([round("5s", [10, 11]), round("2s", [7, undefined], [0, 0])])).toEqual({ value: 0, shown: `0 of ${4 * MiB} B` });
    expect(bytesLost([round("5s", [10, 11], [0, MiB])]).value).toBe(MiB);
    expect(bytesLost([round("5s", [undefined], [undefined])])).toEqual({ value: Number.POSITIVE_INFINITY, shown: `0 of ${MiB} B (1 not read back)` });
  });
});

describe("the cluster bench's partition figures", () => {
  it("give the most copies seen at once and how long two ran, from samples in any order", () => {
    const s = summarizeCopies([
      { at: 200, running: 2, ready: 1, unknown: 0 },
      { at: 0, running: 1, ready: 1, unknown: 0 },
      { at: 100, running: 2, ready: 1, unknown: 1 },
      { at: 300, running: 1, ready: 1, unknown: 0 },
    ]);
    expect(s).toEqual({ samples: 4, meanIntervalMs: 100, maxRunning: 2, maxReady: 1, msTwoRunning: 200, msTwoReady: 0, unknownSamples: 1 });
    expect(summarizeCopies([]).samples).toBe(0);
    expect(Number.isNaN(summarizeCopies([]).maxReady)).toBe(true);
  });
});

describe("the cluster bench's report", () => {
  it("judges each goal against the cluster's figure and the single host's of the same run", () => {
    const report = renderReport(
      results({
        loss: [round("5s", [16.3, 17.0]), round("2s", [9.6, 13.1])],
        partition: {
          node: "scxc-n2",
          partitionSeconds: 30,
          afterHealSeconds: 15,
          readyAfter: true,
          stateAfter: "running on scxc-n3",
          samples: [
            { at: -100, running: 1, ready: 1, unknown: 0 },
            { at: 8000, running: 2, ready: 2, unknown: 0 },
            { at: 8100, running: 2, ready: 1, unknown: 0 },
          ],
        },
      }),
      "2s",
    );
    // warm p50 (nearest rank) is 1.9 s on the cluster and 1.0 s on one host.
    expect(verdict(report, "open warm p50, cluster - single host")).toBe("met");
    expect(verdict(report, "open warm p50, cluster ")).toBe("met");
    expect(report).toMatch(/open warm p50, cluster\s+1\.90 s/);
    // The slowest of two stops freed its slot at 5.6 s.
    expect(verdict(report, "stop -> slot free, cluster, slowest run")).toBe("NOT MET");
    expect(verdict(report, "node loss at heartbeat 5s")).toBe("met");
    expect(verdict(report, "node loss at heartbeat 2s")).toBe("NOT MET");
    expect(verdict(report, "bytes lost")).toBe("met");
    expect(verdict(report, "most ready copies during the partition")).toBe("NOT MET");
    expect(verdict(report, "terminal throughput, worker TLS / local socket")).toBe("not measured");
  });

  it("says a workspace that did not come back did not, and judges it not met", () => {
    const report = renderReport(results({ loss: [round("5s", [undefined])] }), "2s");
    expect(report).toContain("1 of 1 did not come back within 60 s");
    expect(verdict(report, "node loss at heartbeat 5s")).toBe("NOT MET");
    expect(report).toContain("not within 60");
    expect(report).toContain("(read on storage)");
  });
});

describe("the cluster bench's settings", () => {
  it("default to every phase at the issue's sizes, and refuse what is not a count or a phase", () => {
    const cfg = clusterBenchConfig({});
    expect([...cfg.phases]).toEqual(["open", "slot", "terminal", "list", "partition", "node-loss", "vscode"]);
    expect(cfg).toMatchObject({ users: 20, partitionSeconds: 30, sampleMs: 100, fastHeartbeat: "2s" });
    expect(clusterBenchConfig({ BENCH_CLUSTER_PHASES: "open, node-loss", BENCH_CLUSTER_USERS: "6" })).toMatchObject({ users: 6 });
    expect([...clusterBenchConfig({ BENCH_CLUSTER_PHASES: "open, node-loss" }).phases]).toEqual(["open", "node-loss"]);
    expect(() => clusterBenchConfig({ BENCH_CLUSTER_USERS: "0" })).toThrow();
    expect(() => clusterBenchConfig({ BENCH_CLUSTER_PHASES: "open,nap" })).toThrow();
  });
});
