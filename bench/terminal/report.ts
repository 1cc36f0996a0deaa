import { goalsTable, type Goal } from "../lib/goals";
import { fmt, formatTable } from "../lib/table";
import type { StackKind } from "../lib/clients/bench-terminal";
import type { EchoResult } from "./echo-latency";
import { STACK_LABEL, STACKS, type TerminalResults } from "./results";


/** The figures per stack, then each goal of issue #4 with its ratio and whether it is met. Never fails. */
export function renderReport(r: TerminalResults): string {
  const perStack = (pick: (stack: (typeof STACKS)[number]) => string) => STACKS.map(pick);
  const figures = formatTable([
    ["", ...STACKS.map((s) => STACK_LABEL[s])],
    [`throughput, MB/s (median of runs, ${r.throughputMb} MiB base64'd)`, ...perStack((s) => fmt(r.throughput[s]?.mbPerSecond))],
    [`echo p50 / p99 / max ms, 1 session (median round of ${rounds(r.echoAloneRuns)})`, ...perStack((s) => triple(r.echoAlone[s]))],
    ["  p99 of each round, ms", ...perStack((s) => r.echoAloneRuns[s]?.map((e) => fmt(e.p99, 2)).join(", ") ?? "n/a")],
    [`echo p50 / p99 / max ms, ${r.floodSessions - 1} others flooding, every keystroke from the first`, ...perStack((s) => triple(r.echoFlood[s]))],
    [`  of which the first ${r.floodSettleSeconds} s (for information)`, ...perStack((s) => triple(r.echoFloodOnset[s]))],
    ...Object.entries(r.echoAfterPause).map(([pause, echo]) => [`  after the typist paused ${pause} s`, ...perStack((s) => triple(echo[s]))]),
    ["  samples alone / flooding", ...perStack((s) => `${r.echoAlone[s]?.samples ?? 0} / ${r.echoFlood[s]?.samples ?? 0}`)],
    [`  flood delivered to the ${r.floodSessions - 1}, MB/s total`, ...perStack((s) => fmt(r.floodRate[s]))],
    ["server RSS peak while streaming, MiB", fmt(r.memory.portalPeak), fmt(r.memory.wettyPeak), "-"],
    ["  portal idle before it, MiB", fmt(r.memory.portalIdle), "-", "-"],
    [
      `portal RSS before / with ${r.idleTerminals?.count ?? "n/a"} idle terminals open, MiB`,
      r.idleTerminals ? `${fmt(r.idleTerminals.before)} / ${fmt(r.idleTerminals.after)}` : "n/a",
      "-",
      "-",
    ],
  ]);
  const startup = r.startup;
  const startupTable = formatTable([
    ["Open Workspace -> first prompt (portal)", `median of ${r.startupRuns}, s`, "runs, s"],
    ["cold (new user, container created)", fmt(startup?.cold, 2), runs(startup?.runs.map((x) => x.cold))],
    ["warm (stopped workspace)", fmt(startup?.warm, 2), runs(startup?.runs.map((x) => x.warm))],
    ["hot (running workspace)", fmt(startup?.hot, 2), runs(startup?.runs.map((x) => x.hot))],
  ]);

  const tp = (s: "portal" | "wetty" | "docker") => r.throughput[s]?.mbPerSecond ?? Number.NaN;
  const goals: Goal[] = [
    { what: "throughput portal / bare API", value: tp("portal") / tp("docker"), unit: "", goal: ">= 0.9", met: (v) => v >= 0.9 },
    { what: "throughput portal / WeTTY", value: tp("portal") / tp("wetty"), unit: "", goal: "(for information)", met: () => true },
    { what: "echo p99 alone, portal", value: r.echoAlone.portal?.p99 ?? Number.NaN, unit: " ms", goal: "<= 3 ms", met: (v) => v <= 3 },
    {
      what: "echo p99 alone, portal / WeTTY",
      value: (r.echoAlone.portal?.p99 ?? Number.NaN) / (r.echoAlone.wetty?.p99 ?? Number.NaN),
      unit: "",
      goal: "< 1",
      met: (v) => v < 1,
    },
    ratioGoal("echo p99 flooding from the first keystroke, portal / WeTTY", r.echoFlood),
    ...Object.entries(r.echoAfterPause).map(([pause, echo]) => ratioGoal(`  after a ${pause} s pause, portal / WeTTY`, echo)),
    {
      what: "portal RSS peak above idle / WeTTY's RSS peak",
      value: ((r.memory.portalPeak ?? Number.NaN) - (r.memory.portalIdle ?? Number.NaN)) / (r.memory.wettyPeak ?? Number.NaN),
      unit: "",
      goal: "<= 1",
      met: (v) => v <= 1,
    },
    {
      what: `an idle open terminal (${r.idleTerminals?.count ?? "n/a"} open), portal`,
      value: r.idleTerminals?.mibEach ?? Number.NaN,
      unit: " MiB",
      goal: "< 1 MiB",
      met: (v) => v < 1,
    },
    { what: "open cold, median", value: startup?.cold ?? Number.NaN, unit: " s", goal: "<= 3 s", met: (v) => v <= 3 },
    { what: "open warm, median", value: startup?.warm ?? Number.NaN, unit: " s", goal: "<= 1.5 s", met: (v) => v <= 1.5 },
    { what: "open hot, median", value: startup?.hot ?? Number.NaN, unit: " s", goal: "<= 0.3 s", met: (v) => v <= 0.3 },
  ];
  const goalTable = goalsTable(goals);
  const errors = r.errors.length ? `\nCould not measure:\n${r.errors.map((e) => `  - ${e}`).join("\n")}\n` : "";
  return `\n${figures}\n\n${startupTable}\n\n${goalTable}\n${errors}`;
}

function triple(echo: EchoResult | undefined): string {
  return echo ? `${fmt(echo.p50, 2)} / ${fmt(echo.p99, 2)} / ${fmt(echo.max, 0)}` : "n/a";
}

function ratioGoal(what: string, echo: Partial<Record<StackKind, EchoResult>>): Goal {
  return { what, value: (echo.portal?.p99 ?? Number.NaN) / (echo.wetty?.p99 ?? Number.NaN), unit: "", goal: "<= 0.4", met: (v) => v <= 0.4 };
}

function runs(values: number[] | undefined): string {
  return values && values.length ? values.map((v) => fmt(v, 2)).join(" ") : "n/a";
}

/** How many rounds each stack completed, as one figure when they agree. */
function rounds(perStack: TerminalResults["echoAloneRuns"]): string {
  const counts = [...new Set(STACKS.map((s) => perStack[s]?.length ?? 0))];
  return counts.length === 1 ? String(counts[0]) : counts.join("/");
}
