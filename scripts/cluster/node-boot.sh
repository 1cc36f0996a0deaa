#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A node's start script: what the machine does at boot before its engine serves. cluster.sh runs it inside the
# node's network, mount and UTS namespaces and its cgroup; it ends by becoming dockerd, so the engine and all it
# starts stay in the node's cgroup.  Usage: node-boot.sh N     (`node-boot.sh N firewall` only (re)installs the
# firewall, for a node that is up: the rules are rewritten in one commit.)
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/settings.sh"
source "$here/lib/log.sh"
source "$here/lib/homes.sh"
source "$here/lib/firewall.sh"

n="${1:-}"
is_node "$n" || die "usage: node-boot.sh N (N one of ${NODES[*]})"
name="$(node_name "$n")"
dir="$(node_dir "$n")"
labels=()

if [[ "${2:-}" == firewall ]]; then
  firewall_install "$n"
  exit 0
fi
say "$name: boot"
if is_worker "$n"; then
  # A worker runs workspaces only with the homes volume mounted: the engine does not start without it, and it
  # advertises the mount as an engine label that workspace placement requires.
  homes_mount "$LOG_DIR/homes-$name.log"
  homes_mounted_here || die "$name: $CLUSTER_HOMES is not the homes volume here; refusing to start the engine"
  labels=(--label "$HOMES_ENGINE_LABEL=$HOMES_ENGINE_LABEL_VALUE")
fi
firewall_install "$n"
# moby/moby#37087: after an engine restart, tasks on a swarm-scoped bridge fail with "network ... exists" until
# the engine's local network store is dropped; cluster.sh re-creates the config-only network once it answers.
rm -f "$dir/data/network/files/local-kv.db"
rm -f "$dir/docker.pid"

# The node's watchdog, beside the engine in the node's cgroup (it dies with the machine): it stops the workspaces
# here once no manager has answered for WATCHDOG_BOUND_SECONDS. One per node: a copy started by a later boot (an
# engine restarted) finds the first holding the lock and leaves.
setsid -f bash "$here/node-watchdog.sh" --host "unix://$dir/docker.sock" --bound "$WATCHDOG_BOUND_SECONDS" \
  --lock "$dir/watchdog.lock" >>"$LOG_DIR/watchdog-$name.log" 2>&1 </dev/null 9>&-

say "$name: starting dockerd"
exec dockerd \
  --config-file "$dir/daemon.json" \
  --data-root "$dir/data" \
  --exec-root "$dir/exec" \
  --pidfile "$dir/docker.pid" \
  -H "unix://$dir/docker.sock" \
  -H "tcp://$(node_addr "$n"):$ENGINE_PORT" \
  --tlsverify \
  --tlscacert "$PKI/n$n/ca.pem" \
  --tlscert "$PKI/n$n/cert.pem" \
  --tlskey "$PKI/n$n/key.pem" \
  --cgroup-parent "/$(node_cgroup "$n")" \
  --no-new-privileges \
  --bridge none \
  --userland-proxy=false \
  "${labels[@]}"
