import { goalsTable, type Goal } from "../lib/goals";
import { median, percentile } from "../lib/stats";
import { fmt, formatTable } from "../lib/table";
import { medianRound } from "../terminal/echo-latency";
import { summarizeCopies } from "./copies";
import type { ClusterResults, LossRound } from "./results";
import { STACK_LABEL, type StackKind } from "./stacks";

const OPEN_KINDS = ["cold", "warm", "hot"] as const;
const OPEN_LABEL = { cold: "cold (no workspace yet)", warm: "warm (stopped, made)", hot: "hot (running)" };

/** The slowest lost workspace's time to ready, or how many were not back when the wait ended. Pure. */
export function slowestBack(round: LossRound): { value: number; shown?: string } {
  const n = round.workspaces.length;
  if (n === 0) return { value: Number.NaN, shown: "no workspace on the victim" };
  const missing = round.workspaces.filter((w) => w.readyAt === undefined).length;
  if (missing > 0) return { value: Number.POSITIVE_INFINITY, shown: `${missing} of ${n} did not come back within ${round.waitSeconds} s` };
  return { value: Math.max(...round.workspaces.map((w) => w.readyAt!)) };
}

/** Bytes written and fsynced before the kills that did not read back the same, over every round. Pure. */
export function bytesLost(rounds: readonly LossRound[]): { value: number; shown?: string } {
  const all = rounds.flatMap((r) => r.workspaces);
  if (all.length === 0) return { value: Number.NaN };
  const unchecked = all.filter((w) => w.bytesLost === undefined).length;
  const lost = all.reduce((sum, w) => sum + (w.bytesLost ?? 0), 0);
  const written = all.reduce((sum, w) => sum + w.bytesWritten, 0);
  const shown = `${lost} of ${written} B${unchecked ? ` (${unchecked} not read back)` : ""}`;
  return { value: unchecked ? Number.POSITIVE_INFINITY : lost, shown };
}

/** Every figure beside its peer on one host and its goal. Never fails on a goal; a figure not taken shows n/a. */
export function renderReport(r: ClusterResults, fastHeartbeat: string): string {
  const sections: string[] = [];
  const both = (pick: (k: StackKind) => number, decimals: number, ratio: "diff" | "ratio" = "ratio") => {
    const host = pick("host");
    const swarm = pick("swarm");
    return [fmt(host, decimals), fmt(swarm, decimals), ratio === "diff" ? signed(swarm - host, decimals) : fmt(swarm / host, 2)];
  };
  const openQ = (k: StackKind, kind: (typeof OPEN_KINDS)[number], p: number) => percentile(r.open[k]?.[kind] ?? [], p);

  const runs = r.open.swarm?.cold.length ?? r.open.host?.cold.length ?? 0;
  sections.push(
    formatTable([
      [`Open Workspace -> prompt, s (${runs} users each)`, "host p50", "host p95", "cluster p50", "cluster p95", "cluster - host p50", "cluster / host p50"],
      ...OPEN_KINDS.map((kind) => {
        const [h50, s50] = [openQ("host", kind, 50), openQ("swarm", kind, 50)];
        return [OPEN_LABEL[kind], fmt(h50, 2), fmt(openQ("host", kind, 95), 2), fmt(s50, 2), fmt(openQ("swarm", kind, 95), 2), signed(s50 - h50, 2), fmt(s50 / h50, 2)];
      }),
    ]),
  );

  const slot = (k: StackKind, f: (v: number[]) => number) => f(r.slot[k]?.map((s) => s.admittedSeconds) ?? []);
  const list = (k: StackKind, which: "listMs" | "inspectMs", p: number) => percentile(r.list[k]?.[which] ?? [], p);
  const tp = (k: StackKind) => r.terminal?.throughput[k]?.mbPerSecond ?? Number.NaN;
  const echo = (k: StackKind) => medianRound(r.terminal?.echoRounds[k] ?? []);
  const n = r.list.swarm?.n ?? r.list.host?.n;
  sections.push(
    formatTable([
      ["", STACK_LABEL.host, STACK_LABEL.swarm, "cluster / host"],
      [`stop -> next in line let start, s median (${r.slot.swarm?.length ?? 0} runs)`, ...both((k) => slot(k, median), 2)],
      ["  slowest run, s", ...both((k) => slot(k, (v) => (v.length ? Math.max(...v) : Number.NaN)), 2)],
      ["  of which the stop call, s median", ...both((k) => median(r.slot[k]?.map((s) => s.stopSeconds) ?? []), 2)],
      [`list this portal's workspaces, ms p50 (${n ?? "n/a"} running)`, ...both((k) => list(k, "listMs", 50), 1)],
      ["  p95", ...both((k) => list(k, "listMs", 95), 1)],
      [`one workspace's state, ms p50 (${n ?? "n/a"} running)`, ...both((k) => list(k, "inspectMs", 50), 1)],
      ["  p95", ...both((k) => list(k, "inspectMs", 95), 1)],
      [`  starting the ${n ?? "n/a"}, 4 at a time, s (for information)`, ...both((k) => r.list[k]?.startSeconds ?? Number.NaN, 1)],
      [`terminal throughput, MB/s (median, ${r.terminal?.throughputMb ?? "n/a"} MiB base64'd; local socket | worker TLS)`, ...both(tp, 1)],
      [`echo p50 ms (median round of ${r.terminal?.echoRounds.swarm?.length ?? 0})`, ...both((k) => echo(k)?.p50 ?? Number.NaN, 2, "diff")],
      ["echo p99 ms", ...both((k) => echo(k)?.p99 ?? Number.NaN, 2, "diff")],
    ]),
  );
  const spread = r.list.swarm?.spread;
  if (spread) sections.push(`(placement of the ${n}: ${Object.entries(spread).map(([node, c]) => `${node} ${c}`).join(", ")}; the echo row's last column is cluster - host)`);
  if (r.terminal?.node) sections.push(`(the cluster's terminal ran on ${r.terminal.node}, its engine reached at its address on the lab network)`);

  if (r.loss.length) {
    sections.push(
      formatTable([
        ["node loss (s after the kill)", "heartbeat", "victim", "kill took", "marked down", "workspace", "running elsewhere", "ready (exec)", "on", "portal says at the end", "bytes lost"],
        ...r.loss.flatMap((round) => {
          const head = [round.heartbeat, round.victim, fmt(round.killSeconds, 1), fmt(round.downAt, 1)];
          if (!round.workspaces.length) return [["", ...head, "(none on the victim)", "", "", "", "", ""]];
          return round.workspaces.map((w, i) => [
            "",
            ...(i === 0 ? head : ["", "", "", ""]),
            w.slug.slice(0, 24),
            w.runningAt === undefined ? `not within ${round.waitSeconds}` : fmt(w.runningAt, 1),
            w.readyAt === undefined ? `not within ${round.waitSeconds}` : fmt(w.readyAt, 1),
            w.node ?? "-",
            w.stateAfter ?? "-",
            w.bytesLost === undefined ? "not read" : `${w.bytesLost} of ${w.bytesWritten} (${w.checkedIn === "workspace" ? "read in it" : "read on storage"})`,
          ]);
        }),
      ]),
    );
    sections.push(`(${r.loss.map((x) => `${x.heartbeat}: ${x.elsewhere} other workspace(s) on the surviving worker; victim back in ${fmt(x.reviveSeconds, 1)} s`).join("; ")})`);
  }

  const part = r.partition && summarizeCopies(r.partition.samples);
  if (r.partition && part) {
    const during = summarizeCopies(r.partition.samples.filter((s) => s.at >= 0 && s.at <= r.partition!.partitionSeconds * 1000));
    sections.push(
      formatTable([
        [`partition of ${r.partition.node} for ${r.partition.partitionSeconds} s (+${r.partition.afterHealSeconds} s after heal)`, "during the cut", "whole watch"],
        ["samples (mean interval ms)", `${during.samples} (${fmt(during.meanIntervalMs, 0)})`, `${part.samples} (${fmt(part.meanIntervalMs, 0)})`],
        ["most copies running at once", fmt(during.maxRunning, 0), fmt(part.maxRunning, 0)],
        ["most copies ready at once (lease held)", fmt(during.maxReady, 0), fmt(part.maxReady, 0)],
        ["time with 2+ running, s", fmt(during.msTwoRunning / 1000, 1), fmt(part.msTwoRunning / 1000, 1)],
        ["time with 2+ ready, s", fmt(during.msTwoReady / 1000, 1), fmt(part.msTwoReady / 1000, 1)],
        ["samples with a probe unanswered in 2 s", String(during.unknownSamples), String(part.unknownSamples)],
        ["ready through the portal's service afterwards", "", r.partition.readyAfter ? "yes" : "NO (not within 30 s)"],
        ["  its state then", "", r.partition.stateAfter],
      ]),
    );
  }

  const v = r.vscode;
  if (v) {
    sections.push(
      formatTable([
        [`VS Code open in Chromium when its worker (${v.victim}) is killed`, "s"],
        ["full workspace image pushed to the registry and workers (once)", fmt(v.pushSeconds, 1)],
        ["Open VS Code -> workbench, before the kill", fmt(v.firstOpenSeconds, 1)],
        ["page reloaded by itself, after the kill", fmt(v.reloadedAt, 1)],
        ["workbench drawn again", fmt(v.workbenchAt, 1)],
        ["file written (fsynced) through the terminal before the kill, listed", fmt(v.fileSeenAt, 1)],
        [`back on`, v.node ?? "?"],
        [`"Cannot reconnect" shown meanwhile`, v.cannotReconnect ? "YES" : "no"],
      ]),
    );
  }

  const warm = (k: StackKind) => openQ(k, "warm", 50);
  const slowestSlot = slot("swarm", (v) => (v.length ? Math.max(...v) : Number.NaN));
  const goals: Goal[] = [
    { what: "open warm p50, cluster", value: warm("swarm"), unit: " s", goal: "<= 2.0 s", met: (v) => v <= 2 },
    { what: "open warm p50, cluster - single host", value: warm("swarm") - warm("host"), unit: " s", goal: "<= +1.0 s", met: (v) => v <= 1 },
    { what: "stop -> slot free, cluster, slowest run", value: slowestSlot, unit: " s", goal: "<= 5 s", met: (v) => v <= 5 },
    ...r.loss.map((round): Goal => {
      const limit = round.heartbeat === fastHeartbeat ? 12 : 25;
      const back = slowestBack(round);
      return { what: `node loss at heartbeat ${round.heartbeat}: slowest back and ready`, value: back.value, ...(back.shown ? { shown: back.shown } : {}), unit: " s", goal: `<= ${limit} s`, met: (v) => v <= limit };
    }),
    ...(r.loss.length ? [((): Goal => {
      const lost = bytesLost(r.loss);
      return { what: "bytes lost (written + fsynced before the kill)", value: lost.value, ...(lost.shown ? { shown: lost.shown } : {}), goal: "0", met: (v) => v === 0 };
    })()] : []),
    { what: "terminal throughput, worker TLS / local socket", value: tp("swarm") / tp("host"), goal: ">= 0.9", met: (v) => v >= 0.9 },
    { what: "echo p99, worker TLS - local socket", value: (echo("swarm")?.p99 ?? Number.NaN) - (echo("host")?.p99 ?? Number.NaN), unit: " ms", goal: "<= +1 ms", met: (v) => v <= 1 },
    ...(v ? [{ what: "VS Code back in the moved workspace (file listed), s after the kill", value: v.fileSeenAt ?? Number.NaN, unit: " s", goal: "(for information)", met: () => true }] : []),
    { what: "most ready copies during the partition", value: part ? part.maxReady : Number.NaN, goal: "<= 1", met: (v) => v <= 1 },
    { what: `list p50 at ${n ?? "n/a"}, cluster / single host`, value: list("swarm", "listMs", 50) / list("host", "listMs", 50), goal: "(for information)", met: () => true },
    { what: `state p50 at ${n ?? "n/a"}, cluster / single host`, value: list("swarm", "inspectMs", 50) / list("host", "inspectMs", 50), goal: "(for information)", met: () => true },
  ];
  sections.push(goalsTable(goals));
  sections.push(`load average (1 min) ${fmt(r.load.start, 2)} at the start, ${fmt(r.load.end, 2)} at the end, on ${r.load.cpus} CPUs; the cluster's heartbeat was ${r.heartbeat}`);
  if (r.errors.length) sections.push(`Could not measure:\n${r.errors.map((e) => `  - ${e}`).join("\n")}`);
  return `\n${sections.join("\n\n")}\n`;
}

function signed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 0 ? "+" : ""}${value.toFixed(decimals)}`;
}
