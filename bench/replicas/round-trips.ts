import { onCleanup } from "../lib/cleanup";
import { postAs, startTestPostgres, startThroughPortal, type TestPostgres } from "../lib/fixtures";
import { progress } from "../lib/progress";
import { sleep } from "../lib/time";
import { pgWireCounter } from "./pg-wire-count";
import { replicaSet } from "./replica-set";
import type { OpenTrips, RoundTripsResult } from "./results";

/**
 * Database round trips per Open Workspace: one portal process on a database of its own, reached through a relay
 * that counts each Query and Sync its pool sends (pg-wire-count.ts). Counted around one POST /api/workspace/start
 * read to its end: the first open (workspace made), opens of a running workspace, opens of a stopped one (the stop
 * itself not counted). The process's own background (leases, presence, sweeps) is measured over a quiet spell and
 * its share of each call's length subtracted in the report; the raw counts are kept.
 */
export async function measureRoundTrips(cookie: string, runs: number, quietSeconds: number): Promise<RoundTripsResult> {
  const server = await startTestPostgres();
  const relays: Awaited<ReturnType<typeof pgWireCounter>>[] = [];
  const forget = onCleanup("round-trip database", async () => {
    for (const r of relays) await r.close();
    await server.close();
  });
  try {
    // The replicas make their database on this server; they are handed the relay's address for it.
    const relayed: TestPostgres = {
      ...server,
      newDatabase: async () => {
        const url = new URL(await server.newDatabase());
        const relay = await pgWireCounter({ host: url.hostname, port: Number(url.port) });
        relays.push(relay);
        url.port = String(relay.port);
        return url.toString();
      },
    };
    const set = await replicaSet(1, {}, { postgres: relayed });
    try {
      const portal = set.replicas.processes[0]!;
      const relay = relays.at(-1)!;
      const opens: OpenTrips[] = [];
      const open = async (kind: OpenTrips["kind"]) => {
        const before = relay.trips();
        const begun = performance.now();
        const answer = await startThroughPortal(portal.url, cookie);
        const ms = performance.now() - begun;
        if (answer.status?.state !== "running") throw new Error(`the ${kind} open answered ${JSON.stringify(answer.error ?? answer.status)}`);
        opens.push({ kind, raw: relay.trips() - before, ms });
      };
      await open("first");
      await sleep(2000); // what the first start sets going settles before the quiet spell
      const quietFrom = relay.trips();
      await sleep(quietSeconds * 1000);
      const quietRate = (relay.trips() - quietFrom) / quietSeconds;
      for (let i = 0; i < runs; i++) await open("running");
      for (let i = 0; i < runs; i++) {
        const stopped = await postAs(portal.url, cookie, "/api/workspace/stop");
        if (stopped.status !== 200) throw new Error(`stop answered ${stopped.status}`);
        await open("stopped");
      }
      progress(`round trips: ${opens.map((o) => `${o.kind} ${o.raw}`).join(", ")}; background ${quietRate.toFixed(2)}/s`);
      return { opens, quietRate, quietSeconds };
    } finally {
      await set.done();
    }
  } finally {
    forget();
    for (const r of relays) await r.close();
    await server.close();
  }
}
