# Node machines (sourced): boot, engine restart, death. The boot itself (homes mount, firewall, the moby#37087
# workaround, dockerd) is node-boot.sh, run inside the node.
# shellcheck shell=bash

NODE_BOOT="$CLUSTER_SCRIPTS/node-boot.sh"

# The docker CLI against a node's engine, through its local socket (root only; the portal uses TLS).
dk() {
  local n="$1"
  shift
  docker -H "unix://$(node_socket "$n")" "$@"
}
engine_answers() { timeout 10 docker -H "unix://$(node_socket "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
engine_pid() { cat "$(node_dir "$1")/docker.pid" 2>/dev/null; }
boot_alive() { pid_alive "$(node_dir "$1")/boot.pid" "$(node_cgroup "$1")"; }

# Files the node sees as its own /etc/docker: the registry's CA, so it pulls over TLS; a daemon.json of its own,
# so the host's never applies; its own key.json (the engine's identity).
node_files() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  mkdir -p "$dir/etc-docker/certs.d/$REGISTRY" "$dir/data" "$dir/exec"
  cp "$PKI/ca.pem" "$dir/etc-docker/certs.d/$REGISTRY/ca.crt"
  [[ -s "$dir/daemon.json" ]] || echo '{}' >"$dir/daemon.json"
}

# Boots node N unless its engine already answers. A node none of whose processes lives gets a fresh machine (its
# mount and UTS namespaces, its link up): a reboot. One whose engine alone stopped boots again in place.
node_start() {
  local n="$1" name dir
  name="$(node_ns "$n")"
  dir="$(node_dir "$n")"
  if ! engine_answers "$n" && boot_alive "$n"; then
    # Its engine is still starting (or stuck): wait rather than start a second one on the same data.
    wait_for 60 engine_answers "$n" || die "$(node_name "$n"): dockerd (pid $(cat "$dir/boot.pid")) runs but does not answer; kill-node $n, then up"
  fi
  if ! engine_answers "$n"; then
    [[ -d /etc/docker ]] || mkdir -p /etc/docker
    cg_create "$(node_cgroup "$n")"
    node_files "$n"
    if cg_empty "$(node_cgroup "$n")" || ! machine_ns_exists "$name"; then
      # A machine boots with an empty /run. The engine's exec root is its /run: a killed machine's containerd
      # pid file left there names a process that may not be reaped yet, and dockerd then waits 15 s for that
      # containerd to answer and gives up (measured: every other reboot after kill-node on a loaded machine).
      rm -rf "$dir/exec"
      mkdir -p "$dir/exec"
      machine_ns_fresh "$name" "$(node_name "$n")" "$dir/etc-docker:/etc/docker" "$CLUSTER_ROOT/resolv.conf:/etc/resolv.conf"
      node_link "$n" up
    fi
    nsenter_into "$name"
    cg_spawn "$(node_cgroup "$n")" "$LOG_DIR/$name.log" "$dir/boot.pid" "${NSENTER[@]}" "${CLEAN_ENV[@]}" \
      "CLUSTER_PREFIX=$P" "CLUSTER_ROOT=$CLUSTER_ROOT" "CLUSTER_HOMES=$CLUSTER_HOMES" "CLUSTER_LAN=$CLUSTER_LAN" \
      "CLUSTER_WS_NET=$CLUSTER_WS_NET" "CLUSTER_T0=$CLUSTER_T0" "WATCHDOG_BOUND_SECONDS=$WATCHDOG_BOUND_SECONDS" bash "$NODE_BOOT" "$n"
    if ! wait_for 60 node_booting_or_up "$n" || ! engine_answers "$n"; then
      log_tail "$LOG_DIR/$name.log" 20
      die "$(node_name "$n"): the engine did not come up (log: $LOG_DIR/$name.log)"
    fi
  else
    # Up already: its firewall as this version of the scripts writes it.
    nsenter "--net=/run/netns/$name" "${CLEAN_ENV[@]}" "CLUSTER_PREFIX=$P" "CLUSTER_LAN=$CLUSTER_LAN" \
      "CLUSTER_WS_NET=$CLUSTER_WS_NET" bash "$NODE_BOOT" "$n" firewall
  fi
  node_network_config "$n"
}

# Done waiting when the engine answers, or when the boot ended without it (then the caller reports).
node_booting_or_up() {
  engine_answers "$1" && return 0
  [[ -s "$(node_dir "$1")/boot.pid" ]] || return 1
  ! boot_alive "$1"
}

# The node's part of the workspace network: a config-only network with this node's own range and no traffic
# between containers. moby#37087: node-boot.sh drops the engine's local network store before each start (a
# swarm-scoped bridge cannot be re-created after a restart otherwise), so this is made again after every boot.
node_network_config() {
  local n="$1"
  dk "$n" network inspect "$WS_NETWORK_CONFIG" >/dev/null 2>&1 && return 0
  dk "$n" network create --config-only --subnet "$(node_subnet "$n")" --gateway "$(node_gateway "$n")" \
    -o com.docker.network.bridge.enable_icc=false -o "com.docker.network.bridge.name=$WS_NETWORK" \
    "$WS_NETWORK_CONFIG" >/dev/null
}

# Stops the engine as a service stop would (its containers are stopped, the node's other processes stay).
engine_stop() {
  local n="$1" pid
  pid="$(engine_pid "$n")"
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || return 0
  # shellcheck disable=SC2016 # the inner shell expands it
  wait_for 60 sh -c '! kill -0 "$0"' "$pid" || die "$(node_name "$n"): dockerd (pid $pid) did not stop within 60 s"
}

# The machine dies: off the network, then every process of it killed at one instant (see cgroup.sh).
node_kill() {
  local n="$1"
  node_link "$n" down
  cg_kill "$(node_cgroup "$n")"
}
