# The test cluster's names and addresses, all derived from a few settings (sourced, not executed).
# shellcheck shell=bash disable=SC2034 # the names are used by the scripts that source this file
#
# Every name the cluster leaves on the host starts with CLUSTER_PREFIX, so `down` finds all of it by name:
# network namespaces, the host's link, cgroups, /run/<prefix>, the root and homes directories.
#
#   CLUSTER_PREFIX      default scxc (2-10 lowercase letters or digits: link names are at most 15 characters)
#   CLUSTER_ROOT        default /var/lib/<prefix>: certificates, engines' data, bricks, registry, logs, env file
#   CLUSTER_HOMES       default /srv/<prefix>-homes: where the homes volume is mounted, on the host and workers
#   CLUSTER_LAN         default 10.251.250 (a /24): host .1, storage .5, node N .1N
#   CLUSTER_WS_NET      default 10.31 (a /16): node N's workspaces get <CLUSTER_WS_NET>.N.0/24
#   CLUSTER_HEARTBEAT   default 5s (Swarm's own default); `up --heartbeat 2s` or `heartbeat 2s` change it
#   WATCHDOG_BOUND_SECONDS  default 4: how long a node cut off from every manager keeps its workspaces (read at
#                       each node's boot)
#   TEST_IMAGE          default scitex-portal/workspace-test:latest (pushed to the registry by `up`)
#   WORKSPACE_IMAGE     default scitex-portal/workspace:latest (pushed by `push-image workspace` only)

CLUSTER_PREFIX="${CLUSTER_PREFIX:-scxc}"
P="$CLUSTER_PREFIX"
CLUSTER_ROOT="${CLUSTER_ROOT:-/var/lib/$P}"
CLUSTER_HOMES="${CLUSTER_HOMES:-/srv/$P-homes}"
CLUSTER_LAN="${CLUSTER_LAN:-10.251.250}"
CLUSTER_WS_NET="${CLUSTER_WS_NET:-10.31}"
# Set by the caller (or `up --heartbeat`): applied to an existing swarm too; otherwise a swarm keeps its own.
HEARTBEAT_EXPLICIT="${CLUSTER_HEARTBEAT:+1}"
CLUSTER_HEARTBEAT="${CLUSTER_HEARTBEAT:-5s}"
TEST_IMAGE="${TEST_IMAGE:-scitex-portal/workspace-test:latest}"
WORKSPACE_IMAGE="${WORKSPACE_IMAGE:-scitex-portal/workspace:latest}"
HOST_DOCKER="unix://${DOCKER_SOCKET:-/var/run/docker.sock}"

NODES=(1 2 3)
MANAGER=1
WORKERS=(2 3)

ENGINE_PORT=2376
SWARM_PORT=2377
REGISTRY_PORT=5000
GLUSTERD_PORT=24007
HOMES_VOLUME=homes
# Seconds a client waits for a silent brick before it gives up (GlusterFS's default 42 s would hold a dead
# worker's locks in the homes that long).
HOMES_PING_TIMEOUT=10
# Seconds a node cut off from every manager keeps its workspaces (scripts/cluster/node-watchdog.sh): with the grace
# and a probe's timeout, its workspaces are gone before GlusterFS hands a cut-off client's locks to another.
WATCHDOG_BOUND_SECONDS="${WATCHDOG_BOUND_SECONDS:-4}"

HOST_ADDR="$CLUSTER_LAN.1"
STORAGE_ADDR="$CLUSTER_LAN.5"
REGISTRY="$STORAGE_ADDR:$REGISTRY_PORT"
WS_RANGES="$CLUSTER_WS_NET.0.0/16"
WS_NETWORK="$P-ws"
WS_NETWORK_CONFIG="$P-ws-local"
# Engines that see the homes mount advertise it; workspaces are placed only where it is.
HOMES_ENGINE_LABEL="org.scitex.portal.homes"
HOMES_ENGINE_LABEL_VALUE="glusterfs"
PLACEMENT=("node.role==worker" "engine.labels.$HOMES_ENGINE_LABEL==$HOMES_ENGINE_LABEL_VALUE")

RUN_DIR="/run/$P"
NS_DIR="$RUN_DIR/ns"
PKI="$CLUSTER_ROOT/pki"
LOG_DIR="$CLUSTER_ROOT/log"
STATE_DIR="$CLUSTER_ROOT/state"
ENV_FILE="$CLUSTER_ROOT/cluster.env"
JSON_FILE="$CLUSTER_ROOT/cluster.json"

LAN_NS="$P-lan"
STORAGE_NS="$P-st"
HOST_LINK="$P-host"
HOST_CGROUP="$P-host"

# Chains inside each node's own firewall (they go with the node's network namespace).
CHAIN_FWD="$P-ws-fwd"
CHAIN_IN="$P-ws-in"
CHAIN_PARTITION="$P-partition"

# Daemons of the lab start with a clean environment, as at a machine's boot: nothing of the caller's (a proxy
# setting would send the nodes' pulls away from the registry).
CLEAN_ENV=(env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=/root" "LANG=C.UTF-8")

node_name() { echo "$P-n$1"; }
node_ns() { echo "$P-n$1"; }
node_cgroup() { echo "$P-n$1"; }
node_addr() { echo "$CLUSTER_LAN.$((10 + $1))"; }
node_subnet() { echo "$CLUSTER_WS_NET.$1.0/24"; }
node_gateway() { echo "$CLUSTER_WS_NET.$1.1"; }
node_dir() { echo "$CLUSTER_ROOT/n$1"; }
node_socket() { echo "$(node_dir "$1")/docker.sock"; }
node_role() { [[ "$1" == "$MANAGER" ]] && echo manager || echo worker; }
# The node's link on the lab bridge, as seen inside the bridge's namespace.
node_lan_link() { echo "n$1"; }

is_node() {
  local n
  for n in "${NODES[@]}"; do [[ "$1" == "$n" ]] && return 0; done
  return 1
}
is_worker() {
  local n
  for n in "${WORKERS[@]}"; do [[ "$1" == "$n" ]] && return 0; done
  return 1
}

settings_check() {
  [[ "$P" =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "CLUSTER_PREFIX=$P: 2-10 lowercase letters or digits, starting with a letter"
  # `down` removes these trees whole, so each must be an absolute path that names the prefix.
  local dir
  for dir in "$CLUSTER_ROOT" "$CLUSTER_HOMES"; do
    [[ "$dir" == /?*/* && "$(basename "$dir")" == *"$P"* ]] || die "$dir: must be an absolute path whose last part contains '$P'"
  done
  [[ "$CLUSTER_LAN" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "CLUSTER_LAN=$CLUSTER_LAN: three octets, e.g. 10.251.250"
  [[ "$CLUSTER_WS_NET" =~ ^[0-9]+\.[0-9]+$ ]] || die "CLUSTER_WS_NET=$CLUSTER_WS_NET: two octets, e.g. 10.31"
  [[ "$CLUSTER_HEARTBEAT" =~ ^[0-9]+(ms|s|m)$ ]] || die "CLUSTER_HEARTBEAT=$CLUSTER_HEARTBEAT: a duration such as 5s or 2s"
}
