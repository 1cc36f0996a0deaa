# The swarm over the node engines (sourced): init on the manager, workers join, the workspace network.
# shellcheck shell=bash

swarm_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

# The swarm's dispatcher heartbeat as the engine prints a duration (5s, 2s, 500ms, 1m0s); nothing when the manager
# does not answer.
swarm_heartbeat() { dk "$MANAGER" info --format '{{.Swarm.Cluster.Spec.Dispatcher.HeartbeatPeriod}}' 2>/dev/null || true; }

swarm_set_heartbeat() {
  [[ "$(swarm_heartbeat)" == "$1" ]] && return 0
  dk "$MANAGER" swarm update --dispatcher-heartbeat "$1" >/dev/null
}

# The manager: a swarm of its own, drained (no task, workspace or other, is ever placed on it), the workspace
# network declared once for the whole swarm from each node's config-only network.
swarm_init() {
  local addr
  addr="$(node_addr "$MANAGER")"
  if [[ "$(swarm_state "$MANAGER")" != active ]]; then
    dk "$MANAGER" swarm init --advertise-addr "$addr" --listen-addr "$addr:$SWARM_PORT" \
      --dispatcher-heartbeat "$CLUSTER_HEARTBEAT" >/dev/null
  elif [[ -n "$HEARTBEAT_EXPLICIT" ]]; then
    swarm_set_heartbeat "$CLUSTER_HEARTBEAT"
  fi
  dk "$MANAGER" node update --availability drain "$(node_name "$MANAGER")" >/dev/null
  if ! dk "$MANAGER" network inspect "$WS_NETWORK" >/dev/null 2>&1; then
    dk "$MANAGER" network create -d bridge --scope swarm --config-from "$WS_NETWORK_CONFIG" "$WS_NETWORK" >/dev/null
  fi
}

swarm_is_active() { [[ "$(swarm_state "$1")" == active ]]; }

swarm_join() {
  local n="$1" token
  # A member that booted again reconnects by itself (pending until the manager answers): the same node, no new one.
  if [[ "$(swarm_state "$n")" == pending ]]; then wait_for 30 swarm_is_active "$n" || true; fi
  swarm_is_active "$n" && return 0
  # A join cut short leaves the node in error: start over.
  [[ "$(swarm_state "$n")" == inactive ]] || dk "$n" swarm leave --force >/dev/null 2>&1 || true
  token="$(dk "$MANAGER" swarm join-token -q worker)"
  dk "$n" swarm join --token "$token" --advertise-addr "$(node_addr "$n")" \
    --listen-addr "$(node_addr "$n"):$SWARM_PORT" "$(node_addr "$MANAGER"):$SWARM_PORT" >/dev/null
}

# True when the manager lists node N as ready.
node_ready() { [[ "$(dk "$MANAGER" node inspect --format '{{.Status.State}}' "$(node_name "$1")" 2>/dev/null)" == ready ]]; }
