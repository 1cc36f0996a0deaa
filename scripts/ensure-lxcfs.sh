#!/usr/bin/env bash
# Makes sure LXCFS serves /var/lib/lxcfs, so `free`, `top` and /proc/cpuinfo inside a workspace show its own
# limits instead of the host's. Starts it in the background when it is not mounted (hosts with systemd start
# Debian's lxcfs service themselves). Without FUSE it says so and the portal runs without it.
set -euo pipefail

dir="${LXCFS_ROOT:-/var/lib/lxcfs}"
log="${LXCFS_LOG:-/var/log/scitex-lxcfs.log}"

if [[ -r "$dir/proc/meminfo" ]] && head -c1 "$dir/proc/meminfo" >/dev/null 2>&1; then exit 0; fi
if ! command -v lxcfs >/dev/null; then
  echo "[lxcfs] not installed (apt-get install -y lxcfs): workspaces will show the host's memory and CPUs" >&2
  exit 0
fi
if [[ $(id -u) -ne 0 || ! -e /dev/fuse ]]; then
  echo "[lxcfs] cannot start (needs root and /dev/fuse): workspaces will show the host's memory and CPUs" >&2
  exit 0
fi
# A lxcfs that died leaves a dead FUSE mount behind: every stat of it fails with "Transport endpoint is not
# connected", so `mountpoint` cannot see it. /proc/mounts still lists it.
if awk -v d="$dir" '$2 == d { found = 1 } END { exit !found }' /proc/mounts; then
  echo "[lxcfs] removing the dead mount a stopped lxcfs left on $dir"
  umount -l "$dir" 2>/dev/null || fusermount -uz "$dir" 2>/dev/null || true
fi
if ! mkdir -p "$dir" 2>/dev/null; then
  echo "[lxcfs] cannot use $dir ($(stat "$dir" 2>&1 | tail -n1)): workspaces will show the host's memory and CPUs" >&2
  exit 0
fi
echo "[lxcfs] starting lxcfs on $dir (log: $log)"
nohup setsid lxcfs --enable-cfs -p "${LXCFS_PIDFILE:-/run/scitex-lxcfs.pid}" "$dir" >>"$log" 2>&1 </dev/null &
for _ in $(seq 1 40); do
  if head -c1 "$dir/proc/meminfo" >/dev/null 2>&1; then
    echo "[lxcfs] ready"
    exit 0
  fi
  sleep 0.25
done
echo "[lxcfs] did not come up within 10 s; workspaces will show the host's memory and CPUs. Last lines of $log:" >&2
tail -n 10 "$log" >&2
exit 0
