import type { BenchTerminal, Chunk } from "./bench-terminal";

// Enough for a prompt or an echo; the text is only kept to match short patterns, never whole floods.
const KEEP_CHARS = 8192;

export function chunkText(chunk: Chunk): string {
  return typeof chunk === "string" ? chunk : chunk.toString("latin1");
}

/**
 * Resolves with the high-resolution time of the output chunk at which `test` first holds over the output seen
 * since the call. The listener is attached before the caller sends anything, so no byte can slip past.
 */
export function waitForOutput(
  term: BenchTerminal,
  test: (text: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${term.kind}: no ${what} within ${timeoutMs} ms (last output: ${JSON.stringify(text.slice(-200))})`));
    }, timeoutMs);
    timer.unref(); // a wait abandoned after another failure must not keep the benchmark alive
    const off = term.onOutput((chunk) => {
      const at = performance.now();
      text = (text + chunkText(chunk)).slice(-KEEP_CHARS);
      if (!test(text)) return;
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });
}

/** bash's prompt ends in "$ " and then nothing is printed until a key is pressed. */
export const endsWithPrompt = (text: string) => /\$ $/.test(text);

export function waitForPrompt(term: BenchTerminal, timeoutMs = 30_000): Promise<number> {
  return waitForOutput(term, endsWithPrompt, timeoutMs, "shell prompt");
}

/**
 * Ends a shell the way a user would: Ctrl-C (which also flushes the tty's pending input, so nothing may follow it
 * in the same write), then `exit` at the prompt. Needed where dropping the connection would leave the shell and
 * its jobs running inside the container (Docker cannot signal an exec'd process, moby#9098).
 */
export async function interruptAndExit(term: BenchTerminal, ended: Promise<void>, timeoutMs = 5_000): Promise<void> {
  const prompt = waitForPrompt(term, timeoutMs);
  term.send("\x03");
  await prompt.catch(() => undefined);
  term.send("exit\r");
  await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}
