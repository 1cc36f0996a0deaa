import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterCommand, nodeEngine, nodeNamed, pollFor, readCluster, workers, type ClusterInfo, type ClusterNode } from "../support/cluster";
import { copiesOn } from "../support/ready-copies";
import { swarmFixture, type SwarmFixture } from "../support/swarm-fixture";

const alice = { sub: "partition-alice", username: "alice" };
const PARTITION_MS = 30_000;
const SAMPLE_MS = 100;

interface Sample {
  atMs: number;
  /** Per worker: copies running, copies ready. */
  copies: Record<string, { running: number; ready: number }>;
}

describe("a worker cut off from the manager while its workspace runs", () => {
  let info: ClusterInfo;
  let fx: SwarmFixture;
  let cut: ClusterNode | undefined;

  beforeAll(() => {
    info = readCluster();
    fx = swarmFixture(info);
  });
  afterAll(async () => {
    if (cut) await clusterCommand("heal", String(cut.index)).catch(() => undefined);
    await fx?.cleanup();
  });

  it("never has two ready copies, sampled on both workers' engines every 100 ms; after the heal exactly one runs", async () => {
    const first = await fx.manager.ensureRunning(alice);
    cut = nodeNamed(info, first.node!);
    const nodes = workers(info);
    const engines = nodes.map((n) => ({ node: n, engine: nodeEngine(info, n) }));
    const samples: Sample[] = [];
    const started = Date.now();
    // A sample starts every 100 ms, whether or not the one before has answered (at most 3 at once): each asks both
    // engines and probes every running copy, which on a busy machine takes longer than the period.
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const sample = async () => {
      const at = Date.now();
      const seen = await Promise.all(engines.map(async ({ node, engine }) => [node.name, await copiesOn(engine, fx.settings.instance, first.slug).catch(() => null)] as const));
      const copies: Sample["copies"] = {};
      for (const [name, c] of seen) if (c) copies[name] = { running: c.running.length, ready: c.ready.length };
      samples.push({ atMs: at - started, copies });
    };
    const ticker = setInterval(() => {
      if (inFlight >= 3) return;
      inFlight++;
      const p = sample().finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }, SAMPLE_MS);
    ticker.unref();
    const stopSampling = async () => {
      clearInterval(ticker);
      await Promise.all([...pending]);
      samples.sort((a, b) => a.atMs - b.atMs);
    };

    await new Promise((r) => setTimeout(r, 1000));
    const cutAt = Date.now() - started;
    await clusterCommand("partition", String(cut.index));
    await new Promise((r) => setTimeout(r, PARTITION_MS));
    const healAt = Date.now() - started;
    await clusterCommand("heal", String(cut.index));
    const healed = cut;
    cut = undefined;
    // After the heal: one copy, ready, and the portal routes to that one.
    const settled = await pollFor("one ready copy and none other running, as the portal says", 120, async () => {
      const last = [...samples].sort((a, b) => a.atMs - b.atMs).at(-1)!;
      const running = Object.values(last.copies).reduce((n, c) => n + c.running, 0);
      const ready = Object.entries(last.copies).filter(([, c]) => c.ready === 1);
      const status = await fx.manager.status(alice);
      return running === 1 && ready.length === 1 && status.state === "running" && status.node === ready[0]![0] ? status : undefined;
    });
    await stopSampling();

    const whole = samples.filter((s) => Object.keys(s.copies).length === nodes.length);
    const mostReady = Math.max(...whole.map((s) => Object.values(s.copies).reduce((n, c) => n + c.ready, 0)));
    expect(mostReady).toBe(1);
    // The samples cover the partition and the heal, both nodes answering each, at about the pace asked.
    const during = whole.filter((s) => s.atMs >= cutAt && s.atMs <= healAt);
    expect(during.length).toBeGreaterThan(PARTITION_MS / 1000);
    expect(whole.every((s) => Object.values(s.copies).every((c) => c.ready <= 1))).toBe(true);
    const timeline = summarize(samples, cutAt, healAt, healed.name);
    // The cut-off worker stopped its copy by itself, well before the partition ended.
    expect(timeline.cutCopyGoneMs).toBeLessThan(PARTITION_MS);
    console.log(`[partition] ${healed.name} cut at ${cutAt} ms, healed at ${healAt} ms; ${whole.length} samples, ${during.length} during the cut (gap between sample starts: median ${timeline.medianGapMs} ms, max ${timeline.maxGapMs} ms); at most ${mostReady} ready; ${JSON.stringify(timeline)}; settled on ${settled.node}`);
  });
});

/** When, relative to the cut, the cut-off node's copy was last seen running, and the other's first seen ready. */
function summarize(samples: Sample[], cutAt: number, healAt: number, cutNode: string) {
  const after = samples.filter((s) => s.atMs >= cutAt);
  const lastOnCut = [...after].reverse().find((s) => (s.copies[cutNode]?.running ?? 0) > 0 && s.atMs <= healAt);
  const firstElsewhere = after.find((s) => Object.entries(s.copies).some(([n, c]) => n !== cutNode && c.ready > 0));
  const gaps = samples.slice(1).map((s, i) => s.atMs - samples[i]!.atMs).sort((a, b) => a - b);
  return {
    cutCopyGoneMs: lastOnCut ? lastOnCut.atMs - cutAt : 0,
    readyElsewhereMs: firstElsewhere ? firstElsewhere.atMs - cutAt : null,
    healMs: healAt - cutAt,
    medianGapMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
    maxGapMs: gaps.at(-1) ?? 0,
  };
}
