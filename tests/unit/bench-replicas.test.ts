import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { replicasBenchConfig } from "../../bench/replicas/config";
import { pgWireCounter } from "../../bench/replicas/pg-wire-count";
import { renderReport } from "../../bench/replicas/report";
import type { ReplicasResults, TerminalBack } from "../../bench/replicas/results";
import { longestGap } from "../../bench/replicas/ssh-logins";

/** A frontend message: type byte, then its length (itself included) and body. */
const message = (type: string, body = Buffer.alloc(0)) => {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
};
/** An untyped message (startup, SSLRequest): length then a 32-bit code and body. */
const untyped = (code: number, body = Buffer.alloc(0)) => {
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(code, 4);
  return Buffer.concat([head, body]);
};

function results(back: (number | undefined)[], over: Partial<ReplicasResults> = {}): ReplicasResults {
  const terminals: TerminalBack[] = back.map((ms) => (ms === undefined ? { attempts: 50, lastError: "refused" } : { attempts: 1, backMs: ms }));
  return {
    takeover: {
      terminals,
      waitSeconds: 30,
      killMs: 3,
      ssh: [
        { at: -500, endedAt: -200, ok: true },
        { at: 0, endedAt: 400, ok: true },
        { at: 250, endedAt: 2100, ok: true },
        { at: 500, endedAt: 900, ok: false, error: "Connection closed by 127.0.0.1 port 2222" },
      ],
      sshWindow: { fromMs: -1000, toMs: 3000 },
    },
    echo: { direct: [1, 1.2, 1.5], forwarded: [1.3, 1.6, 2.0] },
    line: { cap: 2, asked: ["a", "b", "c"], started: ["b", "a", "c"], outOfOrder: 0, overCapMoments: 0, maxRunning: 2 },
    roundTrips: {
      opens: [
        { kind: "first", raw: 40, ms: 3000 },
        { kind: "running", raw: 12, ms: 1000 },
        { kind: "stopped", raw: 25, ms: 2000 },
      ],
      quietRate: 2,
      quietSeconds: 10,
    },
    load: { start: 1, end: 2, cpus: 2 },
    errors: [],
    ...over,
  };
}

function verdict(report: string, goal: string): string {
  const line = report.split("\n").find((l) => l.startsWith(goal));
  if (!line) throw new Error(`no goal row "${goal}" in:\n${report}`);
  return line.trim().split(/\s{2,}/).at(-1)!;
}

describe("the replicas bench's figures", () => {
  it("takes the longest stretch without a completed login, the window's edges included", () => {
    const ok = (endedAt: number) => ({ at: endedAt - 100, endedAt, ok: true });
    expect(longestGap([ok(100), ok(400), ok(900)], 0, 1000)).toBe(500);
    expect(longestGap([ok(100), { at: 200, endedAt: 5000, ok: false }], 0, 3000)).toBe(2900);
    expect(longestGap([], -1000, 2000)).toBe(3000);
  });

  it("meets the takeover goal only when every terminal came back within 5 s", () => {
    expect(verdict(renderReport(results([800, 1200, 4900])), "terminals back after kill -9, worst")).toBe("met");
    expect(verdict(renderReport(results([800, 5200])), "terminals back after kill -9, worst")).toBe("NOT MET");
    const some = renderReport(results([800, undefined]));
    expect(verdict(some, "terminals back after kill -9, worst")).toBe("NOT MET");
    expect(some).toContain("1 of 2 back");
    expect(verdict(renderReport(results([], { takeover: undefined })), "terminals back after kill -9, worst")).toBe("not measured");
  });

  it("weighs forwarded echo p99 against direct, and counts any start out of order or over the cap", () => {
    const report = renderReport(results([100]));
    expect(verdict(report, "echo p99, forwarded - direct")).toBe("met");
    expect(verdict(report, "start line: starts out of order")).toBe("met");
    const line = { cap: 2, asked: ["a", "b", "c", "d"], started: ["a", "b", "d", "c"], outOfOrder: 2, overCapMoments: 1, maxRunning: 3 };
    const bad = renderReport(results([100], { echo: { direct: [1, 1, 1], forwarded: [1, 1, 2.5] }, line }));
    expect(verdict(bad, "echo p99, forwarded - direct")).toBe("NOT MET");
    expect(verdict(bad, "start line: starts out of order")).toBe("NOT MET");
    expect(verdict(bad, "start line: moments over the cap")).toBe("NOT MET");
  });

  it("subtracts the process's background from each open's round trips", () => {
    // running: 12 raw - 2/s x 1 s = 10; stopped: 25 - 2/s x 2 s = 21.
    const report = renderReport(results([100]));
    expect(report).toMatch(/round trips, open of a running workspace \(net p50\)\s+10\.00/);
    expect(report).toMatch(/round trips, stopped -> running \(net p50\)\s+21\.00/);
  });

  it("says why the failed SSH logins failed", () => {
    expect(renderReport(results([100]))).toContain('failed logins said: 1x "Connection closed by 127.0.0.1 port 2222"');
  });

  it("reads its knobs from the environment, with defaults", () => {
    const cfg = replicasBenchConfig({});
    expect(cfg.terminals).toBe(10);
    expect([...cfg.phases]).toEqual(["echo", "takeover", "line", "round-trips"]);
    expect(replicasBenchConfig({ BENCH_REPLICAS_TERMINALS: "4", BENCH_REPLICAS_PHASES: "line" }).terminals).toBe(4);
    expect(() => replicasBenchConfig({ BENCH_REPLICAS_PHASES: "nope" })).toThrow();
  });
});

describe("the wire counter in front of PostgreSQL", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it("counts each Query and each Sync the client sends, however the bytes are split, and passes them on unchanged", async () => {
    const received: Buffer[] = [];
    const server = net.createServer((s) => s.on("data", (c: Buffer) => received.push(c)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const counter = await pgWireCounter({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    closers.unshift(counter.close);

    const sent = Buffer.concat([
      untyped(80877103), // SSLRequest: a second untyped message follows
      untyped(196608, Buffer.from("user\0postgres\0\0")),
      message("P", Buffer.from("\0SELECT 1\0\0\0")),
      message("B", Buffer.alloc(10)),
      message("E", Buffer.alloc(5)),
      message("S"),
      message("Q", Buffer.from("BEGIN\0")),
      message("P", Buffer.from("\0SELECT 'S'\0\0\0")),
      message("S"),
      message("X"),
    ]);
    const client = net.connect(counter.port, "127.0.0.1");
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    for (let i = 0; i < sent.length; i += 7) {
      client.write(sent.subarray(i, i + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const deadline = Date.now() + 10_000;
    while (Buffer.concat(received).length < sent.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    client.destroy();
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    expect(counter.trips()).toBe(3);
  });
});
