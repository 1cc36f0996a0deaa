#!/usr/bin/env bash
# Runs once inside a machine's fresh mount and UTS namespaces, as a boot would set the machine up:
#   its hostname; none of the host's mounts that belong to others (the host engine's container filesystems,
#   the namespaces and sockets under /run, LXCFS, the host's homes mount): copies of those would pin them here
#   long after their owners unmounted them; an empty /run of its own; then the given bind mounts (SRC:DST).
# Usage: machine-init.sh HOSTNAME HOMES_PATH [SRC:DST ...]
set -euo pipefail

hostname "$1"
findmnt -rn -o TARGET \
  | awk -v homes="$2" '$1 ~ "^(/var/lib/docker|/var/lib/lxcfs|/run)(/|$)" || $1 == homes' \
  | sort -r \
  | while read -r target; do umount -l "$target" 2>/dev/null || true; done
mount -t tmpfs -o mode=0755,size=64m "$1-run" /run
shift 2
for bind in "$@"; do mount --bind "${bind%%:*}" "${bind#*:}"; done
