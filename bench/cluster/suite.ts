import os from "node:os";
import { attempter } from "../lib/attempt";
import { progress } from "../lib/progress";
import { clusterBenchConfig } from "./config";
import { measureListLatency, startUsers } from "./list-latency";
import { measureNodeLoss } from "./node-loss";
import { measureOpenTimes } from "./open-times";
import { measurePartition } from "./partition";
import { renderReport } from "./report";
import type { ClusterResults } from "./results";
import { measureSlotFree } from "./slot-free";
import { makeStack, STACK_LABEL, STACKS, type Stack } from "./stacks";
import { measureTerminalPath } from "./terminal-path";
import { ensureCluster, withHeartbeat } from "./test-cluster";
import { measureVscodeMove } from "./vscode-move";

/**
 * Issue #16: workspaces on the Swarm test cluster (scripts/cluster) against the single-host portal on this host's
 * engine, both driven through the portal's real workspace service (WorkspaceManager) with the same image and limits,
 * in the same run: Open Workspace times, the cap's slot after a stop, the exec path a terminal rides on, list and
 * inspect at N, then what a cluster adds: a partition's copies and a worker's loss. The cluster is brought up when it
 * is not, and taken down at the end only then. Returns whether every figure was taken; goals are reported only.
 */
export async function runClusterSuite(): Promise<boolean> {
  const cfg = clusterBenchConfig();
  const size = { cols: cfg.cols, rows: cfg.rows };
  const { info } = await ensureCluster();
  const results: ClusterResults = {
    open: {},
    slot: {},
    loss: [],
    list: {},
    heartbeat: info.heartbeat,
    load: { start: os.loadavg()[0]!, end: Number.NaN, cpus: os.cpus().length },
    errors: [],
  };
  const attempt = attempter(results.errors);
  const stacks: Stack[] = STACKS.map((kind) => makeStack(kind, info));
  const swarm = stacks.find((s) => s.kind === "swarm")!;
  progress(`cluster ${info.prefix}: manager ${info.manager}, workers ${info.nodes.filter((n) => n.role === "worker").map((n) => n.name).join(", ")}, heartbeat ${info.heartbeat}`);

  if (cfg.phases.has("open")) {
    await measureOpenTimes(stacks, cfg.openRuns, size, results.open, attempt);
  }
  if (cfg.phases.has("slot")) {
    for (const kind of ["host", "swarm"] as const) {
      await attempt(`stop -> slot free ${STACK_LABEL[kind]}`, async () => {
        results.slot[kind] = await measureSlotFree(makeStack(kind, info, { cap: 1 }), cfg.slotRuns);
      });
    }
  }
  if (cfg.phases.has("terminal")) {
    await attempt("terminal path", async () => {
      results.terminal = await measureTerminalPath(stacks, info, { ...cfg, size }, attempt);
    });
  }
  if (cfg.phases.has("list")) {
    for (const stack of stacks) {
      await attempt(`list/inspect ${STACK_LABEL[stack.kind]} at ${cfg.users}`, async () => {
        progress(`starting ${cfg.users} workspaces on the ${STACK_LABEL[stack.kind]}`);
        const started = await startUsers(stack, cfg.users);
        try {
          results.list[stack.kind] = await measureListLatency(stack, started.users, cfg.listCalls, started.seconds);
        } finally {
          await started.cleanup();
        }
      });
    }
  }
  if (cfg.phases.has("partition")) {
    await attempt("partition", async () => {
      results.partition = await measurePartition(swarm, info, cfg);
    });
  }
  if (cfg.phases.has("node-loss")) {
    await attempt(`node loss at heartbeat ${info.heartbeat}`, async () => {
      results.loss.push(await measureNodeLoss(swarm, info, info.heartbeat, cfg.lossWorkspaces, cfg.lossWaitSeconds));
    });
    if (cfg.fastHeartbeat !== info.heartbeat) {
      await attempt(`node loss at heartbeat ${cfg.fastHeartbeat}`, () =>
        withHeartbeat(cfg.fastHeartbeat, async () => {
          results.loss.push(await measureNodeLoss(swarm, info, cfg.fastHeartbeat, cfg.lossWorkspaces, cfg.lossWaitSeconds));
        }),
      );
    }
  }

  if (cfg.phases.has("vscode")) {
    await attempt("VS Code after a move", async () => {
      results.vscode = await measureVscodeMove();
    });
  }

  results.load.end = os.loadavg()[0]!;
  console.log(renderReport(results, cfg.fastHeartbeat));
  return results.errors.length === 0;
}
