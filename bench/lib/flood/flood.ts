import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TerminalSize, TerminalTarget } from "../clients/bench-terminal";
import { onCleanup, onExitSync } from "../cleanup";
import { withTimeout } from "../time";
import type { FloodCommand, FloodReport } from "./messages";

export interface Flood {
  /** Interrupts and closes every flooding shell; resolves with what they delivered meanwhile. */
  stop(): Promise<{ bytes: number; seconds: number }>;
}

/** Opens `sessions` shells on `target` in a worker process and starts `command` (e.g. `yes`) in each. */
export async function startFlood(target: TerminalTarget, sessions: number, size: TerminalSize, command = "yes"): Promise<Flood> {
  const worker = fork(fileURLToPath(new URL("./flood-worker.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const unkill = onExitSync(() => worker.kill("SIGKILL"));
  const kill = async () => {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
    unkill();
  };
  const unclean = onCleanup("flood worker", kill);
  const next = <T extends FloodReport["type"]>(type: T) =>
    new Promise<Extract<FloodReport, { type: T }>>((resolve, reject) => {
      const onMessage = (report: FloodReport) => {
        if (report.type === type) resolve(report as Extract<FloodReport, { type: T }>);
        else if (report.type === "error") reject(new Error(`flood worker: ${report.message}`));
        else return;
        worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) => reject(new Error(`flood worker exited with ${code}`)));
    });
  const order = (command: FloodCommand) => worker.send(command);

  try {
    const flooding = next("flooding");
    flooding.catch(() => undefined); // the worker's exit after a failure rejects it once more, unobserved
    order({ type: "start", target, sessions, size, command });
    await withTimeout(flooding, 120_000, `starting ${sessions} flooding ${target.kind} sessions`);
  } catch (error) {
    await kill();
    unclean();
    throw error;
  }
  return {
    stop: async () => {
      try {
        const stopped = next("stopped");
        stopped.catch(() => undefined);
        order({ type: "stop" });
        const { bytes, seconds } = await withTimeout(stopped, 70_000, "stopping the flood");
        return { bytes, seconds };
      } finally {
        worker.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await kill();
        unclean();
      }
    },
  };
}
