import type { Terminal } from "@xterm/xterm";

export interface TerminalKeyActions {
  openFind(): void;
}

/**
 * VS Code's terminal keys on top of xterm.js: Ctrl+Shift+C copies, Ctrl+C copies when there is a selection (and
 * interrupts when there is none), Ctrl+Shift+V pastes, Ctrl+F opens the find bar. Returns false for keys the
 * terminal must not send to the shell.
 */
export function terminalKeyHandler(term: Terminal, actions: TerminalKeyActions): (event: KeyboardEvent) => boolean {
  return (event) => {
    if (event.type !== "keydown" || !event.ctrlKey || event.altKey || event.metaKey) return true;
    const key = event.key.toLowerCase();
    if (key === "c" && (event.shiftKey || term.hasSelection())) {
      const text = term.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
      if (!event.shiftKey) term.clearSelection();
      event.preventDefault();
      return false;
    }
    // The browser's own paste (a paste event on xterm's textarea) follows; xterm turns it into input.
    if (key === "v" && event.shiftKey) return false;
    if (key === "f" && !event.shiftKey) {
      event.preventDefault();
      actions.openFind();
      return false;
    }
    return true;
  };
}
