import { goalsTable, type Goal } from "../lib/goals";
import { median, percentile } from "../lib/stats";
import { fmt, formatTable } from "../lib/table";
import type { OpenTrips, ReplicasResults } from "./results";
import { longestGap } from "./ssh-logins";

/** The distinct reasons failed logins gave, with their counts. */
function sshErrors(attempts: readonly { ok: boolean; error?: string }[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) if (!a.ok) counts.set(a.error ?? "?", (counts.get(a.error ?? "?") ?? 0) + 1);
  return counts.size ? `\n  failed logins said: ${[...counts].map(([e, n]) => `${n}x "${e}"`).join("; ")}` : "";
}

/** The replicas suite's report: each figure beside what it is weighed against, then the issue's goals. */
export function renderReport(r: ReplicasResults): string {
  const sections: string[] = ["Portal processes on one PostgreSQL (issue #17)"];

  const t = r.takeover;
  const backMs = t ? t.terminals.flatMap((x) => (x.backMs === undefined ? [] : [x.backMs])) : [];
  const allBack = t ? backMs.length === t.terminals.length : false;
  if (t) {
    const other = t.terminals.filter((x) => x.otherShell).length;
    const errors = [...new Set(t.terminals.filter((x) => x.backMs === undefined && x.lastError).map((x) => x.lastError!))];
    sections.push(
      formatTable([
        [`kill -9 of the process holding ${t.terminals.length} terminals (tmux)`, "value"],
        ["back through the survivor, same shell (PID)", `${backMs.length} of ${t.terminals.length}`],
        ["kill to back, p50 ms", fmt(percentile(backMs, 50), 0)],
        ["kill to attached (before the PID answer), p50 ms", fmt(percentile(t.terminals.flatMap((x) => (x.attachedMs === undefined ? [] : [x.attachedMs])), 50), 0)],
        ["kill to back, worst ms", allBack ? fmt(Math.max(...backMs), 0) : `not all within ${t.waitSeconds} s`],
        ["reopen attempts, most for one terminal", String(Math.max(...t.terminals.map((x) => x.attempts)))],
        ["answered with another shell", String(other)],
        ["kill signal to exit seen, ms", fmt(t.killMs, 0)],
      ]) + (errors.length ? `\n  last errors of those not back: ${errors.join("; ")}` : ""),
    );
    const { fromMs, toMs } = t.sshWindow;
    const before = t.ssh.filter((a) => a.at < 0);
    const after = t.ssh.filter((a) => a.at >= 0);
    const loginMs = (xs: typeof t.ssh) => xs.filter((a) => a.ok).map((a) => a.endedAt - a.at);
    sections.push(
      formatTable([
        [`SSH logins to the survivor (ssh … true), ${fmt(-fromMs / 1000, 0)} s before to ${fmt(toMs / 1000, 0)} s after the kill`, "before", "after"],
        ["attempts", String(before.length), String(after.length)],
        ["succeeded", String(before.filter((a) => a.ok).length), String(after.filter((a) => a.ok).length)],
        ["login + true p50 ms", fmt(median(loginMs(before)), 0), fmt(median(loginMs(after)), 0)],
        ["login + true worst ms", fmt(Math.max(...loginMs(before)), 0), fmt(Math.max(...loginMs(after)), 0)],
        ["longest stretch with no login completing, ms (whole window)", "", fmt(longestGap(t.ssh, fromMs, toMs), 0)],
      ]) + sshErrors(t.ssh),
    );
  }

  const e = r.echo;
  const p = (xs: number[] | undefined, q: number) => (xs ? percentile(xs, q) : Number.NaN);
  if (e) {
    sections.push(
      formatTable([
        [`keystroke echo, same workspace, in turns (${e.direct.length} each), ms`, "p50", "p99", "max"],
        ["direct (held by the process it is typed into)", fmt(p(e.direct, 50), 2), fmt(p(e.direct, 99), 2), fmt(Math.max(...e.direct), 2)],
        ["forwarded (through the other process)", fmt(p(e.forwarded, 50), 2), fmt(p(e.forwarded, 99), 2), fmt(Math.max(...e.forwarded), 2)],
        ["forwarded / direct", fmt(p(e.forwarded, 50) / p(e.direct, 50), 2), fmt(p(e.forwarded, 99) / p(e.direct, 99), 2), ""],
      ]),
    );
  }

  const l = r.line;
  if (l) {
    sections.push(
      formatTable([
        [`start line, cap ${l.cap}, ${l.asked.length} users through both processes`, "value"],
        ["asked", l.asked.join(" ")],
        ["started (engine events)", l.started.join(" ")],
        ["starts out of order", String(l.outOfOrder)],
        ["moments with more than the cap running", String(l.overCapMoments)],
        ["most running at once", String(l.maxRunning)],
      ]),
    );
  }

  const rt = r.roundTrips;
  const net = (o: OpenTrips) => o.raw - (rt ? (rt.quietRate * o.ms) / 1000 : 0);
  const trips = (kind: OpenTrips["kind"]) => (rt ? rt.opens.filter((o) => o.kind === kind) : []);
  if (rt) {
    const row = (kind: OpenTrips["kind"], label: string) => {
      const os = trips(kind);
      return [label, String(os.length), os.map((o) => o.raw).join(" "), fmt(median(os.map(net)), 1), fmt(median(os.map((o) => o.ms)), 0)];
    };
    sections.push(
      formatTable([
        ["database round trips per Open Workspace (Query + Sync messages on the wire)", "runs", "raw each", "net p50", "call p50 ms"],
        row("first", "first open (workspace made)"),
        row("running", "running workspace"),
        row("stopped", "stopped -> running"),
      ]) + `\n  net = raw - the process's background (${fmt(rt.quietRate, 2)} trips/s over ${rt.quietSeconds} s quiet) x the call's length`,
    );
  }

  const goals: Goal[] = [
    {
      what: "terminals back after kill -9, worst",
      value: !t ? Number.NaN : allBack ? Math.max(...backMs) / 1000 : Number.POSITIVE_INFINITY,
      ...(t && !allBack ? { shown: `${backMs.length} of ${t.terminals.length} back` } : {}),
      unit: " s",
      goal: "all within 5 s",
      met: (v) => v <= 5,
    },
    { what: "echo p99, forwarded - direct", value: p(e?.forwarded, 99) - p(e?.direct, 99), unit: " ms", goal: "<= +1 ms", met: (v) => v <= 1 },
    { what: "start line: starts out of order", value: l ? l.outOfOrder : Number.NaN, goal: "0", met: (v) => v === 0 },
    { what: "start line: moments over the cap", value: l ? l.overCapMoments : Number.NaN, goal: "0", met: (v) => v === 0 },
    {
      what: "SSH longest stretch without a login (around the kill)",
      value: t ? longestGap(t.ssh, t.sshWindow.fromMs, t.sshWindow.toMs) : Number.NaN,
      unit: " ms",
      goal: "(for information)",
      met: () => true,
    },
    { what: "round trips, open of a running workspace (net p50)", value: median(trips("running").map(net)), goal: "(for information)", met: () => true },
    { what: "round trips, stopped -> running (net p50)", value: median(trips("stopped").map(net)), goal: "(for information)", met: () => true },
  ];
  sections.push(goalsTable(goals));
  sections.push(`load average (1 min) ${fmt(r.load.start, 2)} at the start, ${fmt(r.load.end, 2)} at the end, on ${r.load.cpus} CPUs`);
  if (r.errors.length) sections.push(`Could not measure:\n${r.errors.map((x) => `  - ${x}`).join("\n")}`);
  return `\n${sections.join("\n\n")}\n`;
}
