import { fmt, formatTable } from "./table";

export interface Goal {
  what: string;
  value: number;
  /** Printed after the value (" ms", "x", ""). */
  unit?: string;
  /** Human form of the goal; one in parentheses is for information only. */
  goal: string;
  met: (value: number) => boolean;
  /** Shown instead of the value (e.g. "not back within 60 s"); the verdict is still `met(value)`. */
  shown?: string;
}

/** The goals table every suite ends with: reported, never enforced. */
export function goalsTable(goals: Goal[]): string {
  return formatTable([
    ["goal", "measured", "target", "verdict"],
    ...goals.map((g) => [
      g.what,
      g.shown ?? (Number.isFinite(g.value) ? `${fmt(g.value, 2)}${g.unit ?? ""}` : "n/a"),
      g.goal,
      g.shown === undefined && !Number.isFinite(g.value) ? "not measured" : g.goal.startsWith("(") ? "-" : g.met(g.value) ? "met" : "NOT MET",
    ]),
  ]);
}
