# The storage machine (sourced): a GlusterFS server with one volume for homes, and the image registry; plus the
# homes mount on the host. Both daemons run in the storage machine's namespaces and cgroup.
# shellcheck shell=bash

ST_DIR="$CLUSTER_ROOT/st"
GLUSTERD_PID="$ST_DIR/glusterd.pid"
REGISTRY_PID="$ST_DIR/registry.pid"

# The nsenter prefix that runs a command in a machine's namespaces, in the array NSENTER.
nsenter_into() { NSENTER=(nsenter "--net=/run/netns/$1" "--mount=$NS_DIR/$1.mnt" "--uts=$NS_DIR/$1.uts" --); }

gluster_cli() { machine_exec "$STORAGE_NS" gluster --mode=script "$@"; }

# A fresh machine when none of its processes lives: its own /run, and GlusterFS's state and logs in our tree.
storage_machine() {
  if machine_ns_exists "$STORAGE_NS" && ! cg_empty "$STORAGE_NS"; then return 0; fi
  [[ -d /var/lib/glusterd && -d /var/log/glusterfs ]] \
    || die "GlusterFS is not installed (bash scripts/ensure-system.sh --test installs glusterfs-server)"
  command -v docker-registry >/dev/null || die "docker-registry is not installed (bash scripts/ensure-system.sh --test)"
  cg_create "$STORAGE_NS"
  mkdir -p "$ST_DIR/lib" "$ST_DIR/log" "$ST_DIR/brick" "$ST_DIR/registry"
  machine_ns_fresh "$STORAGE_NS" "$STORAGE_NS" "$ST_DIR/lib:/var/lib/glusterd" "$ST_DIR/log:/var/log/glusterfs" \
    "$CLUSTER_ROOT/resolv.conf:/etc/resolv.conf"
  machine_exec_host_net "$STORAGE_NS" mkdir -p /run/gluster
}

glusterd_up() {
  if ! pid_alive "$GLUSTERD_PID" "$STORAGE_NS"; then
    nsenter_into "$STORAGE_NS"
    # glusterd forks into the background itself; its children (the brick) stay in the cgroup.
    cg_run "$STORAGE_NS" "${NSENTER[@]}" "${CLEAN_ENV[@]}" glusterd -p "$GLUSTERD_PID" --log-level WARNING \
      || { log_tail "$ST_DIR/log/glusterd.log"; die "glusterd did not start"; }
  fi
  wait_for 30 gluster_cli pool list || { log_tail "$ST_DIR/log/glusterd.log"; die "glusterd does not answer"; }
}

homes_volume_up() {
  if ! gluster_cli volume info "$HOMES_VOLUME" >/dev/null 2>&1; then
    # One brick on the root filesystem: a test volume (`force` allows that); production replicates.
    gluster_cli volume create "$HOMES_VOLUME" transport tcp "$STORAGE_ADDR:$ST_DIR/brick" force >/dev/null
    gluster_cli volume set "$HOMES_VOLUME" network.ping-timeout "$HOMES_PING_TIMEOUT" >/dev/null
    # The brick's side of the same: a client that went silent (its machine died) is dropped, and the locks it held
    # (a workspace's lease) are free for a copy elsewhere, within about HOMES_PING_TIMEOUT (measured: ~30 s with the
    # kernel's keepalive defaults).
    gluster_cli volume set "$HOMES_VOLUME" server.keepalive-time 4 >/dev/null
    gluster_cli volume set "$HOMES_VOLUME" server.keepalive-interval 1 >/dev/null
    gluster_cli volume set "$HOMES_VOLUME" server.keepalive-count 4 >/dev/null
    gluster_cli volume set "$HOMES_VOLUME" server.tcp-user-timeout "$HOMES_PING_TIMEOUT" >/dev/null
    gluster_cli volume set "$HOMES_VOLUME" auth.allow "$CLUSTER_LAN.*" >/dev/null
  fi
  local info
  info="$(gluster_cli volume info "$HOMES_VOLUME")"
  [[ "$info" == *"Status: Started"* ]] || gluster_cli volume start "$HOMES_VOLUME" >/dev/null
  wait_for 30 brick_port || { log_tail "$ST_DIR/log/bricks/"*.log; die "the brick of volume $HOMES_VOLUME is not online"; }
  [[ "$info" == *"features.quota: on"* ]] || homes_quota_on
}

# Directory quotas keep each home's size on the servers (the portal reads it with one statfs: HOMES_STORAGE=glusterfs)
# and stop writes past a home's limit. At GlusterFS's default timeouts the servers' figure may be up to 60 s old when
# a write is allowed, and a burst can overshoot a limit many times over (measured: 100 MiB into a 1 MB limit); at 0
# it is checked at every write (0.3 MB over, measured).
homes_quota_on() {
  gluster_cli volume quota "$HOMES_VOLUME" enable >/dev/null
  gluster_cli volume quota "$HOMES_VOLUME" soft-timeout 0 >/dev/null
  gluster_cli volume quota "$HOMES_VOLUME" hard-timeout 0 >/dev/null
}

# The command a client of the cluster runs the gluster CLI with (it talks to glusterd inside the storage machine).
gluster_cli_command() { echo "nsenter --net=/run/netns/$STORAGE_NS --mount=$NS_DIR/$STORAGE_NS.mnt --uts=$NS_DIR/$STORAGE_NS.uts -- gluster"; }

# The TCP port the volume's brick listens on, once it is online.
brick_port() {
  local xml port
  xml=$(gluster_cli volume status "$HOMES_VOLUME" --xml 2>/dev/null) || return 1
  grep -q '<status>1</status>' <<<"$xml" || return 1
  port=$(grep -o '<tcp>[0-9]*</tcp>' <<<"$xml" | head -n1 | tr -dc 0-9)
  [[ -n "$port" && "$port" != 0 ]] || return 1
  echo "$port"
}

# glusterd, then the volume (storage_machine must have run).
storage_up() {
  timed "storage: glusterd answers" glusterd_up
  timed "storage: volume $HOMES_VOLUME started, brick online, quotas on" homes_volume_up
}

# shellcheck disable=SC2016 # the inner shell expands it
tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

registry_up() {
  local config="$ST_DIR/registry.yml"
  if ! pid_alive "$REGISTRY_PID" "$STORAGE_NS"; then
    cat >"$config" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $ST_DIR/registry
http:
  addr: $REGISTRY
  tls:
    certificate: $PKI/registry/cert.pem
    key: $PKI/registry/key.pem
EOF
    nsenter_into "$STORAGE_NS"
    cg_spawn "$STORAGE_NS" "$LOG_DIR/registry.log" "$REGISTRY_PID" "${NSENTER[@]}" "${CLEAN_ENV[@]}" \
      docker-registry serve "$config"
  fi
  wait_for 20 tcp_open "$STORAGE_ADDR" "$REGISTRY_PORT" || { log_tail "$LOG_DIR/registry.log"; die "the registry does not answer on $REGISTRY"; }
}

# The homes volume on the host (where the portal runs), its client in the host's own cgroup of the prefix.
homes_host_mount() {
  cg_create "$HOST_CGROUP"
  homes_mount "$LOG_DIR/homes-host.log" cg_run "$HOST_CGROUP"
}
