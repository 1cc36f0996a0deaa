# What a client of the cluster needs (sourced): cluster.env (KEY=value, for `source`) and cluster.json (the same
# for TypeScript). Written whole each time, replacing the previous files at once.
# shellcheck shell=bash

env_write() {
  local brick n tmp role heartbeat
  brick="$(brick_port)" || die "the homes volume's brick is not online"
  heartbeat="$(swarm_heartbeat)"
  heartbeat="${heartbeat:-$CLUSTER_HEARTBEAT}"
  local test_image workspace_image
  test_image="$(image_pinned test)"
  workspace_image="$(image_pinned workspace)"
  local placement
  # shellcheck disable=SC2153 # PLACEMENT comes from settings.sh
  placement="$(IFS=';'; echo "${PLACEMENT[*]}")"

  tmp="$ENV_FILE.tmp"
  {
    echo "# The test cluster made by scripts/cluster/cluster.sh up; cluster.json holds the same."
    echo "CLUSTER_PREFIX=$P"
    echo "CLUSTER_ROOT=$CLUSTER_ROOT"
    echo "# The portal host's address on the lab network: the only source that may open connections to workspaces."
    echo "CLUSTER_PORTAL_ADDRESS=$HOST_ADDR"
    echo "CLUSTER_MANAGER=$(node_name "$MANAGER")"
    echo "CLUSTER_MANAGER_HOST=tcp://$(node_addr "$MANAGER"):$ENGINE_PORT"
    echo "CLUSTER_NODES=\"$(for n in "${NODES[@]}"; do printf '%s ' "$(node_name "$n")"; done | sed 's/ $//')\""
    echo "CLUSTER_WORKERS=\"$(for n in "${WORKERS[@]}"; do printf '%s ' "$(node_name "$n")"; done | sed 's/ $//')\""
    for n in "${NODES[@]}"; do
      echo "CLUSTER_NODE_${n}_NAME=$(node_name "$n")"
      echo "CLUSTER_NODE_${n}_ROLE=$(node_role "$n")"
      echo "CLUSTER_NODE_${n}_ADDRESS=$(node_addr "$n")"
      echo "CLUSTER_NODE_${n}_HOST=tcp://$(node_addr "$n"):$ENGINE_PORT"
      echo "CLUSTER_NODE_${n}_SUBNET=$(node_subnet "$n")"
      echo "CLUSTER_NODE_${n}_SOCKET=$(node_socket "$n")"
      echo "CLUSTER_NODE_${n}_CGROUP=$(node_cgroup "$n")"
    done
    echo "# Mutual TLS on every node's API: the portal's client certificate (a DOCKER_CERT_PATH directory)."
    echo "CLUSTER_CERT_PATH=$PKI/client"
    echo "CLUSTER_TLS_CA=$PKI/client/ca.pem"
    echo "CLUSTER_TLS_CERT=$PKI/client/cert.pem"
    echo "CLUSTER_TLS_KEY=$PKI/client/key.pem"
    echo "CLUSTER_WORKSPACE_NETWORK=$WS_NETWORK"
    echo "CLUSTER_WORKSPACE_RANGES=$WS_RANGES"
    echo "# Workspaces stay off the manager: it is drained, and services carry these constraints (';'-separated);"
    echo "# the engine label is set only by engines that booted with the homes volume mounted."
    echo "CLUSTER_MANAGER_AVAILABILITY=drain"
    echo "CLUSTER_PLACEMENT=\"$placement\""
    echo "CLUSTER_HOMES=$CLUSTER_HOMES"
    echo "CLUSTER_HOMES_VOLUME=$STORAGE_ADDR:/$HOMES_VOLUME"
    echo "CLUSTER_HOMES_PING_TIMEOUT=$HOMES_PING_TIMEOUT"
    echo "# Runs the gluster CLI against the homes volume's server (HOMES_GLUSTER_CLI: sets homes' quota limits)."
    echo "CLUSTER_GLUSTER_CLI=\"$(gluster_cli_command)\""
    echo "CLUSTER_STORAGE_ADDRESS=$STORAGE_ADDR"
    echo "CLUSTER_STORAGE_PORTS=\"$GLUSTERD_PORT $brick\""
    echo "CLUSTER_REGISTRY=$REGISTRY"
    echo "CLUSTER_TEST_IMAGE=$test_image"
    echo "CLUSTER_WORKSPACE_IMAGE=$workspace_image"
    echo "CLUSTER_HEARTBEAT=$heartbeat"
    echo "CLUSTER_WATCHDOG_BOUND_SECONDS=$WATCHDOG_BOUND_SECONDS"
    echo "CLUSTER_ENGINE_PORT=$ENGINE_PORT"
    echo "CLUSTER_SWARM_PORT=$SWARM_PORT"
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"

  tmp="$JSON_FILE.tmp"
  {
    printf '{\n'
    printf '  "prefix": "%s",\n  "root": "%s",\n  "portalAddress": "%s",\n' "$P" "$CLUSTER_ROOT" "$HOST_ADDR"
    printf '  "manager": "%s",\n  "heartbeat": "%s",\n' "$(node_name "$MANAGER")" "$heartbeat"
    printf '  "watchdog": { "boundSeconds": %d },\n' "$WATCHDOG_BOUND_SECONDS"
    printf '  "nodes": [\n'
    for n in "${NODES[@]}"; do
      role="$(node_role "$n")"
      printf '    { "index": %d, "name": "%s", "role": "%s", "address": "%s", "port": %d, "subnet": "%s", "socket": "%s", "cgroup": "%s" }%s\n' \
        "$n" "$(node_name "$n")" "$role" "$(node_addr "$n")" "$ENGINE_PORT" "$(node_subnet "$n")" "$(node_socket "$n")" \
        "$(node_cgroup "$n")" "$([[ "$n" == "${NODES[-1]}" ]] || echo ,)"
    done
    printf '  ],\n'
    printf '  "tls": { "ca": "%s", "cert": "%s", "key": "%s" },\n' "$PKI/client/ca.pem" "$PKI/client/cert.pem" "$PKI/client/key.pem"
    printf '  "network": { "name": "%s", "ranges": "%s" },\n' "$WS_NETWORK" "$WS_RANGES"
    printf '  "placement": { "managerAvailability": "drain", "constraints": [%s] },\n' \
      "$(printf '"%s",' "${PLACEMENT[@]}" | sed 's/,$//')"
    printf '  "homes": { "path": "%s", "volume": "%s", "server": "%s", "pingTimeoutSeconds": %d, "glusterCli": "%s" },\n' \
      "$CLUSTER_HOMES" "$HOMES_VOLUME" "$STORAGE_ADDR" "$HOMES_PING_TIMEOUT" "$(gluster_cli_command)"
    printf '  "storage": { "address": "%s", "ports": [%d, %d] },\n' "$STORAGE_ADDR" "$GLUSTERD_PORT" "$brick"
    printf '  "registry": { "address": "%s" },\n' "$REGISTRY"
    printf '  "images": { "test": %s, "workspace": %s },\n' "$(json_string_or_null "$test_image")" "$(json_string_or_null "$workspace_image")"
    printf '  "ports": { "engine": %d, "swarm": %d, "registry": %d }\n' "$ENGINE_PORT" "$SWARM_PORT" "$REGISTRY_PORT"
    printf '}\n'
  } >"$tmp"
  mv "$tmp" "$JSON_FILE"
}

json_string_or_null() { if [[ -n "$1" ]]; then printf '"%s"' "$1"; else printf 'null'; fi; }
