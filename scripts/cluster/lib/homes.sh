# The homes volume as a client sees it (sourced): the host and every worker mount it at CLUSTER_HOMES.
# shellcheck shell=bash

HOMES_FSTYPE=fuse.glusterfs

homes_mounted_here() { [[ "$(findmnt -n -o FSTYPE --mountpoint "$CLUSTER_HOMES" 2>/dev/null)" == "$HOMES_FSTYPE" ]]; }

homes_probe() {
  local f="$CLUSTER_HOMES/.$P-probe-$$"
  : >"$f" && rm -f "$f"
}

# GlusterFS's client gives up for good when the volume server drops it before the volume is up ("Exhausted all
# volfile servers"): seen once in CI as a worker rebooted after kill-node on a loaded machine (not reproduced
# here in 30 reboots). A boot tries its network mount a few times before it gives up; each failed try shows what
# the client logged of it.
HOMES_MOUNT_TRIES=3

# Mounts the volume in this mount namespace unless a working mount is there; a mount whose client died answers
# nothing ("Transport endpoint is not connected") and is replaced. The optional command prefix runs the mount
# (the GlusterFS client it starts stays in that prefix's cgroup).
homes_mount() {
  local log="$1" try from
  shift
  mkdir -p "$CLUSTER_HOMES"
  if homes_mounted_here && homes_probe 2>/dev/null; then return 0; fi
  for ((try = 1; ; try++)); do
    if findmnt -n --mountpoint "$CLUSTER_HOMES" >/dev/null 2>&1; then umount -l "$CLUSTER_HOMES"; fi
    from=$(($(stat -c %s "$log" 2>/dev/null || echo 0) + 1))
    if "$@" mount -t glusterfs -o "log-file=$log,log-level=INFO" "$STORAGE_ADDR:/$HOMES_VOLUME" "$CLUSTER_HOMES"; then
      break
    fi
    warn "mounting $STORAGE_ADDR:/$HOMES_VOLUME failed (try $try of $HOMES_MOUNT_TRIES); the client logged:"
    # Its own lines only: the log also holds the volume's whole graph, printed at every start.
    tail -c "+$from" "$log" 2>/dev/null | grep -E '^\[' | tail -n 12 | sed 's/^/    /' >&2 || true
    ((try < HOMES_MOUNT_TRIES)) || die "could not mount the homes volume $STORAGE_ADDR:/$HOMES_VOLUME on $CLUSTER_HOMES"
    sleep 2
  done
  wait_for 20 homes_probe || { log_tail "$log"; die "the homes mount on $CLUSTER_HOMES does not take writes"; }
}
