/**
 * Docker cannot signal a process it exec'd (moby#9098), and dropping the exec's connection leaves the shell and
 * its jobs running. Each terminal therefore runs as a small wrapper that leads its own session (docker exec with a
 * TTY makes it one) and carries a tag in its environment:
 * - when the login shell exits, the wrapper hangs up on everything left in its session, so `exit` never leaves
 *   a background job holding the terminal open;
 * - to close a terminal from outside, a second exec finds the wrapper by its tag and does the same.
 * A program that deliberately left the session (setsid, tmux, screen) is a detached job and is spared, as after
 * an SSH logout.
 */
export const TERMINAL_TAG = "PORTAL_TERMINAL";
/** The portal process that opened a shell (several may share a workspace): whose shells an orphan sweep spares. */
export const PROCESS_TAG = "PORTAL_PROCESS";
/**
 * The PROCESS_TAG of a shell held in tmux inside the workspace (lib/terminal/held-shell-script.ts): no process owns
 * it, any may reattach it, so no sweep of a dead process's shells ends it (closing its terminal does).
 */
export const HELD_OWNER = "held";

// Shared bash: `end_session SID [KEEP_PID]` sends HUP to every process in session SID, waits briefly, then KILLs
// what is left. Every shell "${" is escaped so it reaches bash as written.
export const END_SESSION = `
stat_field() { local i=$2 s; s=$(<"/proc/$1/stat") || return 1; s=\${s##*) }; set -- $s; echo "\${!i}"; }
members() {
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    [ "$p" = "$BASHPID" ] || [ "$p" = "$2" ] && continue
    [ "$(stat_field "$p" 4 2>/dev/null)" = "$1" ] && echo "$p"
  done
}
end_session() {
  local pids; pids=$(members "$1" "$2")
  [ -z "$pids" ] && return 0
  kill -HUP $pids 2>/dev/null
  for _ in 1 2 3 4 5; do
    sleep 0.1
    pids=$(members "$1" "$2")
    [ -z "$pids" ] && return 0
  done
  kill -KILL $pids 2>/dev/null
  return 0
}
`;

export const WRAPPER = `${END_SESSION}
bash -l
code=$?
trap '' HUP
end_session $$ $$
exit $code
`;

// The tagged process an exec started has its parent outside the container (pid 0). With a TTY it leads a
// session: end that session. Without one (an SSH command) there is no session of its own: end every process
// that carries the tag.
const FIND_AND_END = `${END_SESSION}
tag="$1"
tagged() {
  for d in /proc/[0-9]*; do
    while IFS= read -r -d '' kv; do
      if [ "$kv" = "$tag" ]; then echo "\${d#/proc/}"; break; fi
    done < "$d/environ" 2>/dev/null
  done
}
for p in $(tagged); do
  [ "$(stat_field "$p" 2 2>/dev/null)" = 0 ] || continue
  if [ "$(stat_field "$p" 4 2>/dev/null)" = "$p" ]; then
    end_session "$p"
    kill -HUP "$p" 2>/dev/null
  else
    pids=$(tagged); [ -n "$pids" ] && kill -HUP $pids 2>/dev/null
    for _ in 1 2 3; do sleep 0.1; pids=$(tagged); [ -z "$pids" ] && break; done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  fi
done
exit 0
`;

// Delivers a signal to the process an exec started (found by its tag), as sshd would to a session's command.
const SIGNAL = `${END_SESSION}
tag="$1"; sig="$2"
for d in /proc/[0-9]*; do
  [ "$(stat_field "\${d#/proc/}" 2 2>/dev/null)" = 0 ] || continue
  while IFS= read -r -d '' kv; do
    if [ "$kv" = "$tag" ]; then kill -s "$sig" "\${d#/proc/}" 2>/dev/null; break; fi
  done < "$d/environ" 2>/dev/null
done
exit 0
`;

export const DELIVERABLE_SIGNALS = new Set(["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "ALRM"]);

export function signalCommand(terminalId: string, signal: string): string[] {
  if (!DELIVERABLE_SIGNALS.has(signal)) throw new Error(`signal ${signal} cannot be delivered`);
  return ["bash", "-c", SIGNAL, "signal-terminal", `${TERMINAL_TAG}=${terminalId}`, signal];
}

// After the portal itself went away (a crash, kill -9), every shell it had opened is unreachable: Docker
// cannot re-attach to an exec. Ends them all, as closing each would have, except those of the processes named as
// arguments (portal processes alive now, when several share the workspaces).
const END_ALL = `${END_SESSION}
spare=" $* "
for d in /proc/[0-9]*; do
  p=\${d#/proc/}
  [ "$(stat_field "$p" 2 2>/dev/null)" = 0 ] || continue
  tagged=; owner=
  while IFS= read -r -d '' kv; do
    case "$kv" in
      ${TERMINAL_TAG}=*) tagged=1 ;;
      ${PROCESS_TAG}=*) owner=\${kv#*=} ;;
    esac
  done < "$d/environ" 2>/dev/null
  [ -n "$tagged" ] || continue
  [ "$owner" = "${HELD_OWNER}" ] && continue
  if [ -n "$owner" ]; then case "$spare" in *" $owner "*) continue ;; esac; fi
  if [ "$(stat_field "$p" 4 2>/dev/null)" = "$p" ]; then end_session "$p"; fi
  kill -HUP "$p" 2>/dev/null
done
exit 0
`;

/** Ends every portal shell in the workspace but those opened by the processes in `spare`. */
export function endAllSessionsCommand(spare: Iterable<string> = []): string[] {
  return ["bash", "-c", END_ALL, "end-all-terminals", ...spare];
}

/** The command a terminal runs: a login shell inside the session-ending wrapper. */
export function terminalShellCommand(): string[] {
  return ["bash", "-c", WRAPPER, "portal-terminal"];
}

/** Ends what an exec tagged with `terminalId` started (a terminal, or an SSH session's command). */
export function endSessionCommand(terminalId: string): string[] {
  return ["bash", "-c", FIND_AND_END, "end-terminal", `${TERMINAL_TAG}=${terminalId}`];
}
