/**
 * Child process that holds the flooding sessions, so that reading and acknowledging megabytes per second for
 * them never delays the measuring client's event loop: what the benchmark sees is the server's latency, not its
 * own. Started by flood.ts over IPC; ends itself if the parent goes away or after a hard limit.
 */
import type { BenchTerminal } from "../clients/bench-terminal";
import { openTerminal } from "../clients/open-terminal";
import { sleep, withTimeout } from "../time";
import type { FloodCommand, FloodReport } from "./messages";

const HARD_LIMIT_MS = 240_000;
const send = (report: FloodReport) => process.send?.(report);

let terminals: BenchTerminal[] = [];
let bytes = 0;
let floodStart = 0;

async function start(command: Extract<FloodCommand, { type: "start" }>): Promise<void> {
  // A few at a time: opening all at once would measure the stack's start-up, not its behaviour under load.
  for (let i = 0; i < command.sessions; i += 5) {
    const batch = Array.from({ length: Math.min(5, command.sessions - i) }, () => openTerminal(command.target, command.size));
    const opened = await Promise.allSettled(batch);
    for (const result of opened) if (result.status === "fulfilled") terminals.push(result.value);
    const failed = opened.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  for (const term of terminals) term.onOutput((chunk) => (bytes += chunk.length));
  floodStart = performance.now();
  for (const term of terminals) term.send(`${command.command}\r`);
  // Flooding for real before the parent starts measuring: every session has delivered something.
  const started = terminals.map((term) => new Promise<void>((resolve) => {
    let seen = 0;
    const off = term.onOutput((chunk) => {
      seen += chunk.length;
      if (seen > 64 * 1024) {
        off();
        resolve();
      }
    });
  }));
  await withTimeout(Promise.all(started), 30_000, "every flood session producing output");
  send({ type: "flooding", sessions: terminals.length });
}

async function stop(): Promise<void> {
  const seconds = (performance.now() - floodStart) / 1000;
  const total = bytes;
  // Ctrl-C first, as a user would; close() then ends each shell in the way its stack provides.
  for (const term of terminals) term.send("\x03");
  await withTimeout(Promise.allSettled(terminals.map((t) => t.close())), 60_000, "closing the flood sessions").catch(() => undefined);
  terminals = [];
  send({ type: "stopped", bytes: total, seconds });
}

process.on("message", (message: FloodCommand) => {
  const run = message.type === "start" ? start(message) : stop();
  run.catch(async (error: unknown) => {
    send({ type: "error", message: error instanceof Error ? error.message : String(error) });
    await Promise.allSettled(terminals.map((t) => t.close()));
    await sleep(100);
    process.exit(1);
  });
});
process.on("disconnect", () => {
  void Promise.allSettled(terminals.map((t) => t.close())).finally(() => process.exit(0));
});
setTimeout(() => process.exit(2), HARD_LIMIT_MS).unref();
