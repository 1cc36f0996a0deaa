import { describe, expect, it } from "vitest";
import { renderReport } from "../../bench/proxy/report";
import type { Asset } from "../../bench/proxy/assets";
import type { Cell, Stack } from "../../bench/proxy/results";

const small: Asset = { name: "small", path: "static/out/media/code-icon.svg", bytes: 559 };
const large: Asset = { name: "large", path: "static/out/vs/code/browser/workbench/workbench.js", bytes: 19_339_709 };

function cell(stack: Stack, asset: Asset, connections: number, rate: number): Cell {
  const responses = asset === large ? rate / 19.3 : rate;
  return {
    stack,
    asset,
    connections,
    round: 1,
    result: { rps: responses, p50: 1, p99: 2, responses, failures: 0, mbPerSecond: asset === large ? rate : rate * 0.00056, bytes: 1 },
  };
}

/** A goals-table line's value column, by the start of its label. */
function valueOf(report: string, label: string): string {
  const line = report.split("\n").find((l) => l.startsWith(label));
  if (!line) throw new Error(`no line "${label}" in:\n${report}`);
  return line.slice(label.length).trim().split(/\s+/)[0]!;
}

describe("the proxy bench's report of the path into the workspace", () => {
  it("shows beside each goal how far no proxy at all gets past CHP, and the proxy's share of that", () => {
    const cells: Cell[] = [];
    for (const connections of [1, 64]) {
      // small: CHP 1000 req/s, direct 1100 (the ceiling is 1.1x: no proxy can reach 1.3x), the proxy 1050.
      cells.push(cell("portal", small, connections, 5000), cell("proxied", small, connections, 1050), cell("chp", small, connections, 1000), cell("direct", small, connections, 1100));
      cells.push(cell("portal", large, connections, 900), cell("proxied", large, connections, 600), cell("chp", large, connections, 400), cell("direct", large, connections, 800));
    }
    const report = renderReport({ cellSeconds: 10, cells, errors: [] });
    const section = report.slice(report.indexOf("req/s portal proxy / CHP, small, 64 conn(s)"));
    expect(valueOf(section, "req/s portal proxy / CHP, small, 64 conn(s)")).toBe("1.05x");
    expect(section).toMatch(/^req\/s portal proxy \/ CHP, small, 64 conn\(s\)\s+1\.05x\s+>= 1\.3x\s+NOT MET/m);
    expect(valueOf(section, "  ceiling: direct (no proxy) / CHP")).toBe("1.10x");
    expect(valueOf(section, "  portal proxy / direct")).toBe("0.95x");
    const largeSection = report.slice(report.indexOf("MB/s portal proxy / CHP, large, 64 conn(s)"));
    expect(valueOf(largeSection, "MB/s portal proxy / CHP, large, 64 conn(s)")).toBe("1.50x");
    expect(valueOf(largeSection, "  ceiling: direct (no proxy) / CHP")).toBe("2.00x");
    expect(valueOf(largeSection, "  portal proxy / direct")).toBe("0.75x");
  });
});
