# The homes volume as a client sees it (sourced): the host and every worker mount it at CLUSTER_HOMES.
# shellcheck shell=bash

HOMES_FSTYPE=fuse.glusterfs

homes_mounted_here() { [[ "$(findmnt -n -o FSTYPE --mountpoint "$CLUSTER_HOMES" 2>/dev/null)" == "$HOMES_FSTYPE" ]]; }

homes_probe() {
  local f="$CLUSTER_HOMES/.$P-probe-$$"
  : >"$f" && rm -f "$f"
}

# Mounts the volume in this mount namespace unless a working mount is there; a mount whose client died answers
# nothing ("Transport endpoint is not connected") and is replaced. The optional command prefix runs the mount
# (the GlusterFS client it starts stays in that prefix's cgroup).
homes_mount() {
  local log="$1"
  shift
  mkdir -p "$CLUSTER_HOMES"
  if homes_mounted_here && homes_probe 2>/dev/null; then return 0; fi
  if findmnt -n --mountpoint "$CLUSTER_HOMES" >/dev/null 2>&1; then umount -l "$CLUSTER_HOMES"; fi
  "$@" mount -t glusterfs -o "log-file=$log,log-level=WARNING" "$STORAGE_ADDR:/$HOMES_VOLUME" "$CLUSTER_HOMES" \
    || { log_tail "$log"; die "could not mount the homes volume $STORAGE_ADDR:/$HOMES_VOLUME on $CLUSTER_HOMES"; }
  wait_for 20 homes_probe || { log_tail "$log"; die "the homes mount on $CLUSTER_HOMES does not take writes"; }
}
