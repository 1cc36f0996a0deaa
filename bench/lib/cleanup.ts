/**
 * Everything the benchmark starts (portal, WeTTY, flood workers, containers) registers its undo here, so it is
 * removed on success, on a thrown error and on Ctrl-C alike. Async undos run in reverse order of registration;
 * `onExitSync` covers an abrupt exit where only synchronous work (killing a child) is still possible.
 */
type Task = { name: string; run: () => Promise<void> };

const tasks: Task[] = [];
const exitKills = new Set<() => void>();
let installed = false;

export function onCleanup(name: string, run: () => Promise<void>): () => void {
  installSignalHandlers();
  const task = { name, run };
  tasks.push(task);
  return () => {
    const at = tasks.indexOf(task);
    if (at >= 0) tasks.splice(at, 1);
  };
}

export function onExitSync(kill: () => void): () => void {
  installSignalHandlers();
  exitKills.add(kill);
  return () => exitKills.delete(kill);
}

export async function runCleanups(): Promise<void> {
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    const limit = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
    await Promise.race([task.run(), limit]).catch((error: unknown) => {
      console.error(`cleanup "${task.name}" failed:`, error instanceof Error ? error.message : error);
    });
  }
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.once("exit", () => {
    for (const kill of exitKills) kill();
  });
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal's process group and relayed by tsx),
  // and a second signal with no listener left would kill it halfway through the cleanup.
  let cleaning = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (cleaning) return;
      cleaning = true;
      console.error(`\n${signal}: cleaning up...`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
}
