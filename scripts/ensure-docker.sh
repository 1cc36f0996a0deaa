#!/usr/bin/env bash
# Makes sure a Docker engine answers on the socket; starts dockerd in the background when none does.
set -euo pipefail

socket="${DOCKER_SOCKET:-/var/run/docker.sock}"
export DOCKER_HOST="unix://$socket"
log="${DOCKERD_LOG:-/var/log/scitex-dockerd.log}"

if docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null; then
  echo "[docker] dockerd is not installed; run scripts/ensure-system.sh" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "[docker] no Docker engine at $socket and starting one needs root (or start Docker yourself)" >&2
  exit 1
fi

# A dockerd killed hard leaves its pid file behind and refuses to start again.
if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
echo "[docker] starting dockerd (log: $log)"
nohup setsid dockerd --host "unix://$socket" >>"$log" 2>&1 </dev/null &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "[docker] engine ready"
    exit 0
  fi
  sleep 0.5
done
echo "[docker] dockerd did not come up within 30 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
