import { spawn, type ChildProcess } from "node:child_process";
import { onCleanup, onExitSync } from "./cleanup";
import { portAccepts } from "./port-open";
import { sleep } from "./time";

export interface PeerProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Ends a child politely, then firmly: SIGTERM, five seconds, SIGKILL. */
export async function stopChild(child: ChildProcess | null | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(5_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * A peer the benchmark compares with (WeTTY, configurable-http-proxy, …) started as a child process: its output
 * kept for errors, its removal registered at once (even on Ctrl-C), and ready when its port accepts connections.
 */
export async function startPeer(
  name: string,
  command: string,
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PeerProcess> {
  let output = "";
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const unkill = onExitSync(() => child.kill("SIGKILL"));
  const stop = async () => {
    await stopChild(child);
    unkill();
  };
  onCleanup(name, stop);
  const deadline = Date.now() + 30_000;
  while (!(await portAccepts(port))) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not listen within 30 s:\n${output}`);
    await sleep(100);
  }
  return { child, stop };
}
