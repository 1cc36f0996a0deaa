/**
 * Docker cannot signal a process it exec'd (moby#9098), and ending the exec's connection leaves the shell and its
 * jobs running. So each terminal's shell carries a tag in its environment; to end the terminal, a second exec
 * finds the shell by that tag and hangs up on every process in the shell's session (its jobs, pipelines and
 * nohup'd commands), then kills what is left. A program that deliberately left the session (setsid, tmux, screen)
 * is a detached job and is spared, as it would be after an SSH logout.
 */
export const TERMINAL_TAG = "PORTAL_TERMINAL";

// A template literal: every shell "${" below is escaped so it reaches bash as written.
const SCRIPT = `
tag="$1"
session_of() { local s; s=$(<"/proc/$1/stat") || return 1; s=\${s##*) }; set -- $s; echo "$4"; }
shells=""
for d in /proc/[0-9]*; do
  p=\${d#/proc/}
  [ "$p" = "$$" ] && continue
  while IFS= read -r -d '' kv; do
    if [ "$kv" = "$tag" ]; then
      [ "$(session_of "$p")" = "$p" ] && shells="$shells $p"
      break
    fi
  done < "$d/environ" 2>/dev/null
done
[ -z "$shells" ] && exit 0
members() {
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    [ "$p" = "$$" ] && continue
    sid=$(session_of "$p" 2>/dev/null) || continue
    for s in $shells; do [ "$sid" = "$s" ] && echo "$p"; done
  done
}
pids=$(members)
[ -n "$pids" ] && kill -HUP $pids 2>/dev/null
for _ in 1 2 3 4 5; do
  sleep 0.1
  pids=$(members)
  [ -z "$pids" ] && exit 0
done
kill -KILL $pids 2>/dev/null
exit 0
`;

export function endSessionCommand(terminalId: string): string[] {
  return ["bash", "-c", SCRIPT, "end-terminal", `${TERMINAL_TAG}=${terminalId}`];
}
