#!/usr/bin/env bash
# A node's watchdog: stops the portal's workspaces on this machine once it has been cut off from every manager of
# its swarm for a bounded time, so that a workspace the managers start again elsewhere never has a twin here still
# writing the same home. Started beside dockerd by the node's start script (node-boot.sh), in the node's cgroup.
#
#   node-watchdog.sh --host unix:///var/run/docker.sock [--bound 4] [--grace 2] [--lock FILE]
#     --bound S   seconds without any manager before the workspaces are stopped (default 4)
#     --grace S   seconds a workspace has to end on the signal before it is killed (default 2)
#     --lock F    a file it holds locked while it runs: a second copy (a re-run start script) leaves at once
#
# Why these signals: a worker cut off from its managers is not told (measured on Docker 20.10: `docker info` says
# LocalNodeState active, no Error, the same RemoteManagers, for the whole partition; only the engine's log says
# "agent: session failed"), so the watchdog asks for itself whether a TCP connection to any manager's swarm port
# opens, every second. Workspaces are the containers labelled org.scitex.portal.managed=true
# (lib/backend/labels.ts); their first process answers SIGUSR1 by ending with status 76 (lib/backend/node-fence.ts),
# by which the portal knows to start them again rather than report that they ended.
#
# The bound: with the default, a workspace here has ended within about 8 s of the cut (bound, a probe's timeout,
# the grace), before GlusterFS (network.ping-timeout 10 s) gives the home's lease of a fully cut-off machine to a
# copy elsewhere. A single manager's restart longer than the bound stops every workspace: run three managers.
set -euo pipefail

host="" bound=4 grace=2 lock=""
while (($#)); do
  case "$1" in
    --host) host="$2" ;;
    --bound) bound="$2" ;;
    --grace) grace="$2" ;;
    --lock) lock="$2" ;;
    *) echo "usage: node-watchdog.sh --host URL [--bound S] [--grace S] [--lock FILE]" >&2; exit 2 ;;
  esac
  shift 2
done
[[ -n "$host" && "$bound" =~ ^[0-9]+$ && "$grace" =~ ^[0-9]+$ ]] || { echo "node-watchdog: --host is required; --bound and --grace are whole seconds" >&2; exit 2; }
if [[ -n "$lock" ]]; then
  exec 8>>"$lock"
  flock -n 8 || exit 0
fi

LABEL="org.scitex.portal.managed=true"
SIGNAL=USR1
dk() { timeout 10 docker -H "$host" "$@"; }
say() { echo "$(date -u +%FT%T.%3NZ) node-watchdog: $*"; }
now() { date +%s; }

managers=""
# 0: a manager answers; 1: none does; 2: cannot tell (the engine is down, or this node is in no swarm).
reach_managers() {
  local info state addrs addr
  info="$(dk info --format '{{.Swarm.LocalNodeState}}|{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' 2>/dev/null)" || return 2
  state="${info%%|*}" addrs="${info#*|}"
  case "$state" in
    active) ;;
    pending | error) return 1 ;;
    *) return 2 ;;
  esac
  # The managers it last knew, should the engine forget them.
  [[ -z "$addrs" ]] || managers="$addrs"
  for addr in $managers; do
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 1 bash -c 'exec 3<>"/dev/tcp/${0%:*}/${0##*:}"' "$addr" 2>/dev/null && return 0
  done
  return 1
}

# Every running workspace here ends: the signal first, the kill after the grace.
fence() {
  local ids left deadline
  ids="$(dk ps -q --no-trunc --filter "label=$LABEL" --filter status=running)" || return 0
  [[ -n "$ids" ]] || return 0
  say "no manager answered for $1 s: stopping workspaces $(tr '\n' ' ' <<<"$ids" | cut -c1-200)"
  # shellcheck disable=SC2086 # one id per word
  dk kill --signal "$SIGNAL" $ids >/dev/null 2>&1 || true
  deadline=$(($(now) + grace))
  while (($(now) < deadline)); do
    left="$(dk ps -q --no-trunc --filter "label=$LABEL" --filter status=running)" || true
    [[ -n "$left" ]] || break
    sleep 0.2
  done
  left="$(dk ps -q --no-trunc --filter "label=$LABEL" --filter status=running)" || true
  # shellcheck disable=SC2086
  if [[ -n "$left" ]]; then dk kill $left >/dev/null 2>&1 || true; fi
  say "stopped: $(wc -w <<<"$ids") workspace(s)"
}

say "watching $host: workspaces stop after $bound s without a manager"
# Counted from the last time a manager answered, so the probes' own timeouts do not add to the bound.
last_ok=$(now) told=""
while :; do
  rc=0
  reach_managers || rc=$?
  if ((rc == 0)); then
    [[ -z "$told" ]] || say "a manager answers again after $(($(now) - last_ok)) s"
    last_ok=$(now) told=""
  elif ((rc == 1)); then
    [[ -n "$told" ]] || { say "no manager answers"; told=1; }
    if (($(now) - last_ok >= bound)); then fence $(($(now) - last_ok)); fi
  fi
  sleep 1
done
