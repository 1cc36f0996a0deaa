# Progress lines with the time since the command started, and the helpers that time steps (sourced).
# shellcheck shell=bash

# Microseconds since the epoch, without a fork (bash 5's EPOCHREALTIME; its separator follows the locale).
now_us() { local t="${EPOCHREALTIME//[!0-9]/}"; echo "$((10#$t))"; }

# Set once per command; inherited by background steps so their lines share one clock.
CLUSTER_T0="${CLUSTER_T0:-$(now_us)}"
export CLUSTER_T0

seconds_since() {
  local us=$(($(now_us) - $1))
  printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

say() { printf '[cluster %6ss] %s\n' "$(seconds_since "$CLUSTER_T0")" "$*"; }
warn() { printf '[cluster %6ss] WARNING: %s\n' "$(seconds_since "$CLUSTER_T0")" "$*" >&2; }
die() {
  printf '[cluster] ERROR: %s\n' "$*" >&2
  exit 1
}

# Runs a step and prints its label with how long it took; a failing step says so and fails. The step runs as a
# job of its own: called in an `||` list, bash would ignore `set -e` in all of it.
timed() {
  local label="$1" started rc=0
  shift
  started=$(now_us)
  "$@" &
  wait "$!" || rc=$?
  if ((rc == 0)); then
    say "$label ($(seconds_since "$started")s)"
  else
    printf '[cluster %6ss] FAILED: %s (after %ss)\n' "$(seconds_since "$CLUSTER_T0")" "$label" "$(seconds_since "$started")" >&2
  fi
  return "$rc"
}

# Runs each quoted command line in the background and waits for all; fails if any failed.
parallel() {
  local pids=() cmd pid rc=0
  for cmd in "$@"; do
    eval "$cmd" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  return "$rc"
}

# Polls a command until it succeeds, every tenth of a second, for at most the given seconds.
wait_for() {
  local seconds="$1" deadline
  shift
  deadline=$(($(now_us) + seconds * 1000000))
  until "$@" >/dev/null 2>&1; do
    (($(now_us) < deadline)) || return 1
    sleep 0.1
  done
}

# The last lines of a log, indented, for an error message.
log_tail() {
  if [[ -f "$1" ]]; then tail -n "${2:-15}" "$1" | sed 's/^/    /' >&2; fi
}
