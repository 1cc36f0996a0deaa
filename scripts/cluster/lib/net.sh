# The lab network and each machine's namespaces (sourced).
# shellcheck shell=bash
#
#   host netns:  link <prefix>-host, HOST_ADDR/24; routes to each node's workspace range via that node
#   <prefix>-lan:  the bridge joining host, storage and nodes (its own namespace, so the host's firewall never
#                  sees the lab's bridged traffic)
#   <prefix>-st:   storage (GlusterFS server, registry), STORAGE_ADDR
#   <prefix>-nN:   node N, node_addr N; routes to the other nodes' workspace ranges, as on a routed LAN (then the
#                  nodes' firewalls, not a missing route, are what keeps workspaces apart)
# No namespace but the host's has a default route: nothing from the lab can leave the machine.

ns_exists() { [[ -e "/run/netns/$1" ]]; }

ns_ensure() {
  ns_exists "$1" || ip netns add "$1"
  ip -n "$1" link set lo up
}

# One veth from the lab bridge into a machine's namespace, addressed there as eth0.
lan_attach() {
  local link="$1" ns="$2" addr="$3"
  if ! ip -n "$LAN_NS" link show "$link" >/dev/null 2>&1; then
    ip -n "$LAN_NS" link add "$link" type veth peer name eth0 netns "$ns"
  fi
  ip -n "$LAN_NS" link set "$link" master br0 up
  ip -n "$ns" addr replace "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
}

net_up() {
  local n
  ns_ensure "$LAN_NS"
  ip -n "$LAN_NS" link show br0 >/dev/null 2>&1 || ip -n "$LAN_NS" link add br0 type bridge
  ip -n "$LAN_NS" link set br0 up
  if ! ip link show "$HOST_LINK" >/dev/null 2>&1; then
    ip link add "$HOST_LINK" type veth peer name host netns "$LAN_NS"
  fi
  ip -n "$LAN_NS" link set host master br0 up
  ip addr replace "$HOST_ADDR/24" dev "$HOST_LINK"
  ip link set "$HOST_LINK" up
  ns_ensure "$STORAGE_NS"
  lan_attach st "$STORAGE_NS" "$STORAGE_ADDR"
  for n in "${NODES[@]}"; do
    ns_ensure "$(node_ns "$n")"
    lan_attach "$(node_lan_link "$n")" "$(node_ns "$n")" "$(node_addr "$n")"
    # The portal host reaches each node's workspaces through that node (nodes forward; the host does not).
    ip route replace "$(node_subnet "$n")" via "$(node_addr "$n")" dev "$HOST_LINK"
  done
  local m
  for n in "${NODES[@]}"; do
    for m in "${NODES[@]}"; do
      [[ "$n" == "$m" ]] || ip -n "$(node_ns "$n")" route replace "$(node_subnet "$m")" via "$(node_addr "$m")" dev eth0
    done
  done
}

net_down() {
  local n ns
  for n in "${NODES[@]}"; do ip route del "$(node_subnet "$n")" 2>/dev/null || true; done
  ip link del "$HOST_LINK" 2>/dev/null || true
  for ns in $(ip netns list | awk -v p="$P-" 'index($1, p) == 1 { print $1 }'); do
    ip netns del "$ns" || warn "could not delete the network namespace $ns"
  done
}

# A node whose machine is dead has no link: packets to it vanish, as to a machine that lost power.
node_link() { ip -n "$LAN_NS" link set "$(node_lan_link "$1")" "$2"; }

# ---- persistent mount and UTS namespaces, one pair per machine, kept as files under NS_DIR ----

ns_dir_ensure() {
  mkdir -p "$NS_DIR"
  if ! mountpoint -q "$NS_DIR"; then
    # Namespace files can only be kept on a private mount (as `ip netns` does for /run/netns).
    mount --bind "$NS_DIR" "$NS_DIR"
    mount --make-private "$NS_DIR"
  fi
}

machine_ns_exists() { mountpoint -q "$NS_DIR/$1.mnt" 2>/dev/null; }

machine_ns_drop() {
  local kind
  for kind in mnt uts; do
    umount "$NS_DIR/$1.$kind" 2>/dev/null || true
    rm -f "$NS_DIR/$1.$kind"
  done
}

# A fresh mount and UTS namespace for a machine, as after a boot (machine-init.sh says what it holds); the
# arguments after the hostname are bind mounts SRC:DST to make in it.
machine_ns_fresh() {
  local name="$1" hostname="$2" kind
  shift 2
  ns_dir_ensure
  machine_ns_drop "$name"
  for kind in mnt uts; do touch "$NS_DIR/$name.$kind"; done
  unshare --mount="$NS_DIR/$name.mnt" --uts="$NS_DIR/$name.uts" --propagation private true
  machine_exec_host_net "$name" "$CLUSTER_SCRIPTS/machine-init.sh" "$hostname" "$CLUSTER_HOMES" "$@"
}

# Runs a command in a machine's mount and UTS namespaces, and the network namespace of the same name.
machine_exec() {
  local name="$1"
  shift
  nsenter --net="/run/netns/$name" --mount="$NS_DIR/$name.mnt" --uts="$NS_DIR/$name.uts" -- "$@"
}

# The same, in the host's network namespace (for steps that need no network).
machine_exec_host_net() {
  local name="$1"
  shift
  nsenter --mount="$NS_DIR/$name.mnt" --uts="$NS_DIR/$name.uts" -- "$@"
}

ns_files_down() {
  local f
  [[ -d "$NS_DIR" ]] || return 0
  for f in "$NS_DIR"/*; do
    [[ -e "$f" ]] || continue
    umount "$f" 2>/dev/null || true
    rm -f "$f"
  done
  umount "$NS_DIR" 2>/dev/null || true
}
