import os from "node:os";
import { attempter } from "../lib/attempt";
import { sessionCookie, WORKSPACE_IMAGE } from "../lib/fixtures";
import { progress } from "../lib/progress";
import { replicasBenchConfig } from "./config";
import { measureEchoForwarded } from "./echo";
import { measureStartLine } from "./line";
import { replicaSet, SECRET } from "./replica-set";
import { renderReport } from "./report";
import type { ReplicasResults } from "./results";
import { measureRoundTrips } from "./round-trips";
import { measureTakeover } from "./takeover";

/**
 * Issue #17: several real portal processes on one PostgreSQL, as behind a load balancer. With the full workspace
 * image (shells held in tmux): keystroke echo through the other process against direct, then kill -9 of the
 * process holding the terminals (each back through the survivor, and SSH logins to it meanwhile). With cap 2:
 * the start line's order and cap across both processes. With one process behind a counting relay: database round
 * trips per Open Workspace. Returns whether every figure was taken; goals are reported only.
 */
export async function runReplicasSuite(): Promise<boolean> {
  const cfg = replicasBenchConfig();
  const results: ReplicasResults = { load: { start: os.loadavg()[0]!, end: Number.NaN, cpus: os.cpus().length }, errors: [] };
  const attempt = attempter(results.errors);
  const cookie = (username: string) => sessionCookie(SECRET, { sub: `bench-${username}`, username });

  if (cfg.phases.has("echo") || cfg.phases.has("takeover")) {
    await attempt("terminals across processes", async () => {
      const set = await replicaSet(2, {
        WORKSPACE_IMAGE,
        // Room for the held terminals, their reopening, and logins every 250 ms that overlap when slow (an SSH
        // session counts as a terminal); the per-user bounds have tests of their own and are not measured here.
        TERMINAL_MAX_PER_USER: "100",
        TERMINAL_OPENS_PER_MINUTE: "10000",
      });
      try {
        const ada = await cookie("ada");
        if (cfg.phases.has("echo")) {
          await attempt("echo, forwarded against direct", async () => {
            results.echo = await measureEchoForwarded(set.replicas, ada, cfg.echoSamples);
          });
        }
        if (cfg.phases.has("takeover")) {
          await attempt("kill -9 with terminals held", async () => {
            results.takeover = await measureTakeover(set.replicas, { terminals: ada, ssh: await cookie("bo") }, "bo", cfg);
          });
        }
      } finally {
        await set.done();
      }
    });
  }
  if (cfg.phases.has("line")) {
    await attempt(`start line at cap ${cfg.cap}`, async () => {
      const set = await replicaSet(2, { MAX_RUNNING_WORKSPACES: String(cfg.cap), START_QUEUE_TIMEOUT_SECONDS: "900" });
      try {
        const cookies = new Map<string, string>();
        for (const name of cfg.lineUsers) cookies.set(name, await sessionCookie(SECRET, { sub: `line-${name}`, username: name }));
        results.line = await measureStartLine(set.replicas, cookies, cfg.lineUsers, cfg.cap);
      } finally {
        await set.done();
      }
    });
  }
  if (cfg.phases.has("round-trips")) {
    await attempt("database round trips per Open Workspace", async () => {
      results.roundTrips = await measureRoundTrips(await cookie("rt"), cfg.openRuns, cfg.quietSeconds);
    });
  }

  results.load.end = os.loadavg()[0]!;
  progress("replicas: done");
  console.log(renderReport(results));
  return results.errors.length === 0;
}
