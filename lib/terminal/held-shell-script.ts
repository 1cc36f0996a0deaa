import { END_SESSION, HELD_OWNER, PROCESS_TAG, TERMINAL_TAG, WRAPPER } from "./end-session-script";

/**
 * Shells held inside the workspace, where processes share the store and the image has tmux: each web terminal's
 * shell (the same session-ending wrapper as always) runs in a tmux session of its own, named by the terminal's id,
 * on a tmux server of the portal's (its own socket name, no configuration file, no status line, no prefix key, so
 * every keystroke reaches the shell as without it). The docker exec is only a tmux client: when the portal process
 * holding it dies, the shell, its jobs and its screen live on, and any other process attaches a new client to the
 * same session (as Coder's reconnecting PTY does with screen). Without tmux in the image the same command runs
 * the wrapper directly, as a terminal always did.
 */
export const HELD_SOCKET = "scitex-portal";

const TMUX = `tmux -L ${HELD_SOCKET} -f /dev/null`;

// Options set on the server each time (idempotent): invisible tmux. escape-time 0: Esc reaches vim at once;
// RGB: xterm.js draws 24-bit colour, passed through.
const OPTIONS = [
  "set-option -g status off",
  "set-option -g prefix None",
  "set-option -g prefix2 None",
  "set-option -g escape-time 0",
  "set-option -g history-limit 5000",
  "set-option -g mouse off",
  "set-option -g exit-empty on",
  "set-option -g destroy-unattached off",
  "set-option -ga terminal-features ,xterm-256color:RGB",
  "set-window-option -g aggressive-resize on",
]
  .map((o) => ` \\; ${o}`)
  .join("");

// The session is made detached by a command without this exec's tags: the tmux server forks from whoever starts
// it and keeps that environment, and a server tagged with one portal process would be ended (with every held
// shell) by the sweep of that process's shells once it died. The exec then only attaches (-d: a dead process's
// client is detached).
const HELD = `
tag="\${${TERMINAL_TAG}}"
if command -v tmux >/dev/null 2>&1; then
  ${TMUX} has-session -t "=$tag" 2>/dev/null ||
    env -u ${TERMINAL_TAG} -u ${PROCESS_TAG} ${TMUX} new-session -d -s "$tag" -e "${TERMINAL_TAG}=$tag" -e "${PROCESS_TAG}=${HELD_OWNER}" -e "COLORTERM=\${COLORTERM:-}" -e "LANG=\${LANG:-C.UTF-8}" bash -c "$1" portal-terminal${OPTIONS} ||
    exit 1
  exec ${TMUX} attach-session -d -t "=$tag"
fi
exec bash -c "$1" portal-terminal
`;

/** A terminal's command where shells are held: its shell in tmux when the image has it, directly otherwise. */
export function heldShellCommand(): string[] {
  return ["bash", "-c", HELD, "portal-held-terminal", WRAPPER];
}

/** Exit status of `adoptHeldShellCommand` when the workspace holds no such shell (it printed nothing). */
export const NOT_HELD = 3;

/**
 * Takes over a held shell in one exec (a process taking over ten terminals at once pays for every exec, and the
 * engine starts one exec of a workspace at a time): when the workspace holds the terminal's shell in tmux, prints
 * what scrolled off its screen (with its colours; the PTY turns each newline into CR LF) and `rows` blank lines
 * that push it off the screen tmux is about to draw, then attaches a new client to the same session (-d: the dead
 * process's client is detached). Otherwise it exits NOT_HELD having printed nothing, and never makes a session.
 * A pane is named `=session:` (its session's current pane): a bare `=session` names no pane, and finds nothing.
 */
export function adoptHeldShellCommand(lines: number, rows: number): string[] {
  return [
    "bash",
    "-c",
    `tag="\${${TERMINAL_TAG}}"
command -v tmux >/dev/null 2>&1 && ${TMUX} has-session -t "=$tag" 2>/dev/null || exit ${NOT_HELD}
h=$(${TMUX} capture-pane -p -e -J -S -$1 -E -1 -t "=$tag:" 2>/dev/null)
[ -n "$h" ] && { printf '%s\\n' "$h"; for ((i = 0; i < $2; i++)); do printf '\\n'; done; }
exec ${TMUX} attach-session -d -t "=$tag"
`,
    "adopt-held-terminal",
    String(lines),
    String(rows),
  ];
}

// The wrapper in the pane leads its own session: end everything in it, as closing a terminal always does, then
// the tmux session (whose client is ended by the usual end-session command).
const END_HELD = `${END_SESSION}
command -v tmux >/dev/null 2>&1 || exit 0
p=$(${TMUX} display-message -p -t "=$1" '#{pane_pid}' 2>/dev/null)
[ -n "$p" ] && end_session "$p"
${TMUX} kill-session -t "=$1" 2>/dev/null
exit 0
`;

/** Ends a held terminal's shell, all it started and its tmux session. */
export function endHeldSessionCommand(terminalId: string): string[] {
  return ["bash", "-c", END_HELD, "end-held-terminal", terminalId];
}
