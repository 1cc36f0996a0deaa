# Images for the nodes (sourced): copied from the host's engine (read only) into the manager's, pushed to the
# registry, and referred to by digest from then on. The nodes resolve no names (their resolver is their own
# loopback, and they have no route out), so a pull from anywhere else fails at once instead of after a timeout.
# shellcheck shell=bash

# registry reference of a host image: <registry>/<repository>:latest
registry_ref() {
  local repo="${1%:*}"
  [[ "${1##*/}" == *:* ]] || repo="$1"
  echo "$REGISTRY/$repo:latest"
}

# Pushes a host image; prints the reference pinned by digest, and keeps it in the state directory under KEY.
image_push() {
  local key="$1" src="$2" ref host_id mgr_id pinned
  if ! docker -H "$HOST_DOCKER" image inspect "$src" >/dev/null 2>&1; then
    [[ "$key" == test ]] || die "the image $src is not on this host's engine: build it with npm run images"
    bash "$REPO_DIR/scripts/build-images.sh" test >&2
  fi
  ref="$(registry_ref "$src")"
  host_id="$(docker -H "$HOST_DOCKER" image inspect --format '{{.Id}}' "$src")"
  mgr_id="$(dk "$MANAGER" image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)"
  if [[ "$mgr_id" != "$host_id" ]]; then
    docker -H "$HOST_DOCKER" save "$src" | dk "$MANAGER" load -q >/dev/null
    dk "$MANAGER" tag "$src" "$ref"
  fi
  dk "$MANAGER" push "$ref" >/dev/null
  pinned="$(dk "$MANAGER" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 "^${ref%:*}@")"
  [[ -n "$pinned" ]] || die "no digest for $ref after the push"
  mkdir -p "$STATE_DIR"
  echo "$pinned" >"$STATE_DIR/image-$key"
  echo "$pinned"
}

image_pinned() { cat "$STATE_DIR/image-$1" 2>/dev/null || true; }

# Each worker holds the image before any workspace needs it (a start then only checks the digest).
image_pull() {
  local n="$1" pinned="$2"
  dk "$n" image inspect "$pinned" >/dev/null 2>&1 || dk "$n" pull -q "$pinned" >/dev/null
}
