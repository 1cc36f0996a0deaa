# What runs, and what is left (sourced): `cluster.sh status`, and the check that ends `down`.
# shellcheck shell=bash

cmd_status() {
  settings_check
  local ok=0 n name pid port
  if ! ns_exists "$LAN_NS"; then
    say "not up (no network namespace $LAN_NS)"
    return 1
  fi
  if pid_alive "$GLUSTERD_PID" "$STORAGE_NS" && port="$(brick_port 2>/dev/null)"; then
    say "storage: glusterd pid $(cat "$GLUSTERD_PID"), volume $HOMES_VOLUME online (brick port $port)"
  else
    say "storage: glusterd or the volume $HOMES_VOLUME is DOWN"
    ok=1
  fi
  if pid_alive "$REGISTRY_PID" "$STORAGE_NS" && tcp_open "$STORAGE_ADDR" "$REGISTRY_PORT"; then
    say "registry: pid $(cat "$REGISTRY_PID") answers on $REGISTRY"
  else
    say "registry: DOWN"
    ok=1
  fi
  if homes_mounted_here && homes_probe 2>/dev/null; then say "homes: mounted on the host at $CLUSTER_HOMES"; else
    say "homes: NOT mounted on the host at $CLUSTER_HOMES"
    ok=1
  fi
  for n in "${NODES[@]}"; do
    name="$(node_name "$n")"
    pid="$(engine_pid "$n" || true)"
    if engine_answers "$n"; then
      say "$name ($(node_role "$n"), $(node_addr "$n"), $(node_subnet "$n")): engine pid $pid answers;" \
        "swarm $(dk "$MANAGER" node inspect --format '{{.Status.State}}/{{.Spec.Availability}}' "$name" 2>/dev/null || echo unknown);" \
        "$(cg_pids "$(node_cgroup "$n")" | wc -l) processes"
    else
      say "$name: engine DOWN ($(cg_pids "$(node_cgroup "$n")" | wc -l) processes in its cgroup)"
      ok=1
    fi
  done
  [[ -f "$ENV_FILE" ]] && say "env: $ENV_FILE"
  return "$ok"
}

# Whatever of the prefix is still on the host, one line each; nothing when it is clean.
leftovers() {
  ip netns list 2>/dev/null | awk -v p="$P-" 'index($1, p) == 1 { print "network namespace " $1 }'
  ip -o link show 2>/dev/null | awk -v p="$P-" '{ sub(/@.*/, "", $2); sub(/:$/, "", $2) } index($2, p) == 1 { print "link " $2 }'
  ip route show 2>/dev/null | awk -v a="$CLUSTER_LAN." -v b="$CLUSTER_WS_NET." 'index($0, a) == 1 || index($0, b) == 1 { print "route " $0 }'
  findmnt -rn -o TARGET 2>/dev/null | awk -v p="$P" 'index($1, p) { print "mount " $1 }'
  cg_list | sed 's/^/cgroup /'
  {
    grep -ls ":/$P-" /proc/[0-9]*/cgroup || true
    grep -lsaE "$CLUSTER_ROOT/|/run/netns/$P-" /proc/[0-9]*/cmdline || true
  } | cut -d/ -f3 | sort -un | while read -r pid; do
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    # A killed process its new parent (this machine's init) has not reaped yet is dead, as in pid_alive.
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    [[ "${stat:0:1}" == [ZX] ]] || echo "process $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)"
  done
  iptables-save 2>/dev/null | grep -i -- "$P-" | sed 's/^/host firewall /' || true
  local path
  for path in "$CLUSTER_ROOT" "$CLUSTER_HOMES" "$RUN_DIR"; do [[ -e "$path" ]] && echo "path $path"; done
  return 0
}
