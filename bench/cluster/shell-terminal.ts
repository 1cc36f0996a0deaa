import type { PortalUser } from "../../lib/identity/user";
import type { Shell } from "../../lib/terminal/shells";
import { OutputHub, type BenchTerminal, type Chunk, type TerminalSize } from "../lib/clients/bench-terminal";
import { waitForPrompt } from "../lib/clients/wait-for-output";
import type { Stack } from "./stacks";

/**
 * A login shell opened through the portal's own `Shells` (the web terminal's wrapper, environment and tag) on the
 * workspace service, without the socket in front: what Open Workspace does on the server, whichever backend runs.
 */
class ShellTerminal implements BenchTerminal {
  readonly kind = "docker" as const;
  private readonly hub = new OutputHub();
  private flowing = false;

  constructor(private readonly shell: Shell) {
    shell.output.pause();
  }

  send(data: string): void {
    this.shell.process.stdin?.write(data);
  }

  /** Paused until the first listener, so the first prompt cannot go by before anyone reads. */
  onOutput(listener: (chunk: Chunk) => void): () => void {
    const off = this.hub.on(listener);
    if (!this.flowing) {
      this.flowing = true;
      this.shell.output.on("data", (chunk: Buffer) => this.hub.emit(chunk));
      this.shell.output.resume();
    }
    return off;
  }

  close(): Promise<void> {
    return this.shell.end();
  }
}

/**
 * Open Workspace to a shell prompt, in seconds: the workspace made and started as needed (ensureRunning, the lease
 * probe included), a login shell opened in it, until bash's prompt arrives. The shell is ended afterwards, untimed.
 */
export async function openToPrompt(stack: Stack, user: PortalUser, size: TerminalSize, timeoutMs = 120_000): Promise<number> {
  const begun = performance.now();
  await stack.manager.ensureRunning(user);
  const shell = await stack.shells.start(user, { tty: true, terminal: size, door: "web" });
  const term = new ShellTerminal(shell);
  try {
    const at = await waitForPrompt(term, timeoutMs);
    return (at - begun) / 1000;
  } finally {
    await term.close().catch(() => undefined);
  }
}
