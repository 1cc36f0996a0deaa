import { spawn } from "node:child_process";

export interface SshRun {
  code: number | null;
  /** performance.now() at spawn, at the first stdout byte (if any), and when stdout ended and ssh exited. */
  startedAt: number;
  firstByteAt?: number;
  endedAt: number;
  stdoutBytes: number;
  stderr: string;
}

/**
 * One `ssh` process whose stdout is counted, not kept (a gigabyte passes through), with the times a measurement
 * needs. A run that outlives `timeoutMs` is killed and reported with code null rather than waited for.
 */
export function runSsh(args: string[], timeoutMs: number): Promise<SshRun> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const child = spawn("ssh", args, { stdio: ["ignore", "pipe", "pipe"] });
    let firstByteAt: number | undefined;
    let stdoutBytes = 0;
    let stderr = "";
    let stdoutEnded = false;
    let exit: number | null | undefined;
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => {
      firstByteAt ??= performance.now();
      stdoutBytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-64_000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    // Done when both the output has ended and the process has exited, whichever comes last.
    const finish = () => {
      if (!stdoutEnded || exit === undefined) return;
      clearTimeout(timer);
      resolve({ code: timedOut ? null : exit, startedAt, firstByteAt, endedAt: performance.now(), stdoutBytes, stderr });
    };
    child.stdout.once("close", () => {
      stdoutEnded = true;
      finish();
    });
    child.once("exit", (code) => {
      exit = code;
      finish();
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, startedAt, endedAt: performance.now(), stdoutBytes, stderr: `${stderr}\n${error.message}` });
    });
  });
}

/** The last lines of ssh's stderr, for an error message. */
export function stderrTail(run: SshRun): string {
  return run.stderr.trim().split("\n").slice(-5).join(" | ") || "(no stderr)";
}
