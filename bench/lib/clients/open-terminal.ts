import type { BenchTerminal, TerminalSize, TerminalTarget } from "./bench-terminal";
import { DockerTerminal } from "./docker-terminal";
import { PortalTerminal } from "./portal-terminal";
import { WettyTerminal } from "./wetty-terminal";
import { waitForPrompt } from "./wait-for-output";

/** Opens a shell on any stack and returns once it shows its first prompt, ready for input. */
export async function openTerminal(target: TerminalTarget, size: TerminalSize, timeoutMs = 60_000): Promise<BenchTerminal> {
  switch (target.kind) {
    case "portal": {
      const term = new PortalTerminal(target.url, target.cookie, size, target.terminalId);
      const prompt = waitForPrompt(term, timeoutMs);
      prompt.catch(() => undefined); // a refusal (attached rejects) wins the race below
      await Promise.race([term.attached.then(() => prompt), prompt]).catch(async (error: unknown) => {
        await term.close();
        throw error;
      });
      return term;
    }
    case "wetty": {
      const term = new WettyTerminal(target.url, size);
      await waitForPrompt(term, timeoutMs).catch(async (error: unknown) => {
        await term.close();
        throw error;
      });
      return term;
    }
    case "docker": {
      const term = await DockerTerminal.open(target.engine, target.containerId, size);
      await waitForPrompt(term, timeoutMs).catch(async (error: unknown) => {
        await term.close();
        throw error;
      });
      return term;
    }
  }
}
