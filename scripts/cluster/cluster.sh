#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A Docker Swarm test cluster on this one machine, as root: three engines (one manager, two workers), each in
# its own network, UTS and mount namespace and its own cgroup; a GlusterFS server with the homes volume; an image
# registry; routes from the host to each node's workspace range; a firewall on each node. Nothing of it reaches
# beyond the machine, and the host's own engine and containers are only read (the test image is copied out).
#
#   cluster.sh up [--heartbeat 2s]   make (or complete, or revive) the cluster; prints each step's time
#   cluster.sh down                  remove all of it, by name, pid file and cgroup, even after a failed up
#   cluster.sh status                what runs; exit 1 when something is missing
#   cluster.sh kill-node N           the machine dies: off the network, every process of its cgroup SIGKILLed
#   cluster.sh restart-engine N      stop node N's dockerd as a service stop would, and boot it again
#   cluster.sh partition N | heal N  cut (restore) worker N's traffic with the manager only
#   cluster.sh heartbeat DURATION    Swarm's dispatcher heartbeat (default 5s)
#   cluster.sh push-image test|workspace   push a host image to the registry (and workers); `up` pushes test
#
# Settings and names: lib/settings.sh. Clients read <root>/cluster.env or cluster.json (README, "Test cluster").
set -euo pipefail
shopt -s inherit_errexit

CLUSTER_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$CLUSTER_SCRIPTS/../.." && pwd)"
source "$CLUSTER_SCRIPTS/lib/settings.sh"
source "$CLUSTER_SCRIPTS/lib/log.sh"
source "$CLUSTER_SCRIPTS/lib/cgroup.sh"
source "$CLUSTER_SCRIPTS/lib/net.sh"
source "$CLUSTER_SCRIPTS/lib/pki.sh"
source "$CLUSTER_SCRIPTS/lib/homes.sh"
source "$CLUSTER_SCRIPTS/lib/storage.sh"
source "$CLUSTER_SCRIPTS/lib/firewall.sh"
source "$CLUSTER_SCRIPTS/lib/node.sh"
source "$CLUSTER_SCRIPTS/lib/swarm.sh"
source "$CLUSTER_SCRIPTS/lib/images.sh"
source "$CLUSTER_SCRIPTS/lib/envfile.sh"
source "$CLUSTER_SCRIPTS/lib/status.sh"
# The host's docker settings must not redirect the node commands (each names its engine).
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

require_root() { [[ $(id -u) -eq 0 ]] || die "the test cluster needs root (namespaces, cgroups, mounts, routes)"; }

preflight() {
  local cmd missing=()
  for cmd in docker dockerd ip nsenter unshare setsid findmnt flock openssl iptables iptables-restore \
    glusterd gluster mount.glusterfs docker-registry; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  ((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (bash scripts/ensure-system.sh --test installs them)"
  cg_check
  docker -H "$HOST_DOCKER" version >/dev/null 2>&1 || die "the host's Docker engine does not answer at $HOST_DOCKER (bash scripts/ensure-docker.sh)"
}

# One command at a time changes the cluster.
lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  flock -w 300 9 || die "another cluster.sh command holds $RUN_DIR/lock"
}

node_arg() {
  is_node "${1:-}" || die "name a node: one of ${NODES[*]}"
  echo "$1"
}
worker_arg() {
  is_worker "${1:-}" || die "name a worker: one of ${WORKERS[*]}"
  echo "$1"
}

manager_up() {
  timed "$(node_name "$MANAGER"): engine answers" node_start "$MANAGER"
  timed "swarm: initialised on $(node_name "$MANAGER") (drained), network $WS_NETWORK" swarm_init
}

worker_up() {
  timed "$(node_name "$1"): homes mounted, firewall, engine answers" node_start "$1"
  timed "$(node_name "$1"): in the swarm" swarm_join "$1"
}

image_up() {
  local pinned
  pinned="$(image_push test "$TEST_IMAGE")"
  say "registry: $TEST_IMAGE pushed as $pinned"
}

workers_hold_image() {
  local n pinned="$1" jobs=()
  for n in "${WORKERS[@]}"; do jobs+=("image_pull $n $pinned"); done
  parallel "${jobs[@]}"
}

workers_ready() {
  local n
  for n in "${WORKERS[@]}"; do
    wait_for 60 node_ready "$n" || die "$(node_name "$n") is not ready in the swarm"
  done
}

cmd_up() {
  while (($#)); do
    case "$1" in
      --heartbeat) CLUSTER_HEARTBEAT="${2:-}" HEARTBEAT_EXPLICIT=1; shift 2 ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  settings_check
  require_root
  preflight
  lock
  say "up: prefix $P, root $CLUSTER_ROOT"
  mkdir -p "$CLUSTER_ROOT" "$LOG_DIR" "$STATE_DIR"
  chmod 700 "$CLUSTER_ROOT"
  # Every machine resolves names with its own loopback, where nothing answers: a lookup fails at once.
  echo "nameserver 127.0.0.1" >"$CLUSTER_ROOT/resolv.conf"
  timed "network: namespaces, lab bridge $CLUSTER_LAN.0/24, links, routes to $WS_RANGES" net_up
  timed "pki: CA, node, registry and portal certificates" pki_ensure
  timed "storage: machine" storage_machine
  local workers=() n
  parallel storage_up "timed 'registry: answers on $REGISTRY' registry_up" manager_up
  for n in "${WORKERS[@]}"; do workers+=("worker_up $n"); done
  parallel "${workers[@]}" "timed 'homes: mounted on the host at $CLUSTER_HOMES' homes_host_mount" image_up
  timed "workers: hold $(image_pinned test)" workers_hold_image "$(image_pinned test)"
  timed "swarm: workers ready" workers_ready
  env_write
  say "up: manager tcp://$(node_addr "$MANAGER"):$ENGINE_PORT; env $ENV_FILE (and $JSON_FILE)"
}

homes_host_unmount() {
  if findmnt -n --mountpoint "$CLUSTER_HOMES" >/dev/null 2>&1; then umount -l "$CLUSTER_HOMES"; fi
}

kill_machines() {
  local name
  for name in $(cg_list); do cg_kill "$name"; done
}

remove_namespaces() {
  ns_files_down
  net_down
}

remove_cgroups() {
  local name
  for name in $(cg_list); do cg_remove "$name"; done
}

remove_files() {
  rm -rf --one-file-system "$CLUSTER_ROOT"
  if [[ -d "$CLUSTER_HOMES" ]] && ! findmnt -n --mountpoint "$CLUSTER_HOMES" >/dev/null 2>&1; then
    rmdir "$CLUSTER_HOMES" || warn "$CLUSTER_HOMES is not empty on the host's disk; left in place"
  fi
}

cmd_down() {
  settings_check
  require_root
  lock
  say "down: prefix $P"
  timed "homes: unmounted from the host" homes_host_unmount
  timed "machines: every process killed by cgroup" kill_machines
  timed "namespaces, links and routes removed" remove_namespaces
  timed "cgroups removed" remove_cgroups
  timed "files removed" remove_files
  rm -rf "$RUN_DIR"
  local left
  left="$(leftovers)"
  [[ -z "$left" ]] || die "down left these behind:"$'\n'"$left"
  say "down: nothing of $P left"
}

cmd_kill_node() {
  local n count
  n="$(node_arg "${1:-}")"
  require_root
  lock
  count="$(cg_pids "$(node_cgroup "$n")" | wc -l)"
  timed "$(node_name "$n"): dead ($count processes killed, link down)" node_kill "$n"
}

cmd_restart_engine() {
  local n
  n="$(node_arg "${1:-}")"
  require_root
  lock
  timed "$(node_name "$n"): engine stopped" engine_stop "$n"
  timed "$(node_name "$n"): engine booted again" node_start "$n"
  is_worker "$n" || return 0
  # Seen on a loaded machine (Docker 20.10): the restarted agent registers with the manager, then its heartbeats
  # go unheard and the node stays "down: heartbeat failure" for good, until its engine restarts once more.
  local started
  started=$(now_us)
  if wait_for 30 node_ready "$n"; then
    say "$(node_name "$n"): ready in the swarm ($(seconds_since "$started")s)"
    return 0
  fi
  say "$(node_name "$n"): still down at the manager after 30 s ($(dk "$MANAGER" node inspect --format '{{.Status.Message}}' "$(node_name "$n")" 2>&1)); restarting its engine once more"
  timed "$(node_name "$n"): engine stopped" engine_stop "$n"
  timed "$(node_name "$n"): engine booted again" node_start "$n"
  timed "$(node_name "$n"): ready in the swarm" wait_for 60 node_ready "$n"
}

cmd_partition() {
  local n
  n="$(worker_arg "${2:-}")"
  require_root
  lock
  if [[ "$1" == partition ]]; then
    timed "$(node_name "$n"): cut off from the manager" firewall_partition "$n" cut
  else
    timed "$(node_name "$n"): reaches the manager again" firewall_partition "$n" heal
  fi
}

cmd_heartbeat() {
  [[ "${1:-}" =~ ^[0-9]+(ms|s|m)$ ]] || die "heartbeat: a duration such as 5s or 2s"
  require_root
  lock
  timed "swarm: dispatcher heartbeat $1" swarm_set_heartbeat "$1"
  env_write
}

cmd_push_image() {
  local key="${1:-}" src pinned
  case "$key" in
    test) src="$TEST_IMAGE" ;;
    workspace) src="$WORKSPACE_IMAGE" ;;
    *) die "push-image: test or workspace" ;;
  esac
  require_root
  lock
  pinned="$(image_push "$key" "$src")"
  say "registry: $src pushed as $pinned"
  timed "workers: hold $pinned" workers_hold_image "$pinned"
  env_write
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    kill-node) cmd_kill_node "$@" ;;
    restart-engine) cmd_restart_engine "$@" ;;
    partition | heal) cmd_partition "$cmd" "$@" ;;
    heartbeat) cmd_heartbeat "$@" ;;
    push-image) cmd_push_image "$@" ;;
    -h | --help | help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' ;;
    *) die "usage: cluster.sh up|down|status|kill-node N|restart-engine N|partition N|heal N|heartbeat D|push-image test|workspace" ;;
  esac
}

main "$@"
