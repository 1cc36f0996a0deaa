#!/usr/bin/env bash
# Build the container images used by the SciTeX Workspace Portal.
#
#   scripts/build-images.sh [base|test|workspace|all]     (default: all)
#
#   base       scitex-portal/debian:bookworm   debootstrap minbase, imported
#   test       $TEST_IMAGE       static bash + busybox (+ flock, sftp-server); seconds to build, for tests
#   workspace  $WORKSPACE_IMAGE  Debian + Python stack + code-server (images/workspace)
#
# Each image carries a label with a hash of its inputs; when it matches, the
# image is left alone, so re-running is cheap. New images are verified under
# a temporary tag before they replace the old ones.
#
# Environment:
#   BASE_IMAGE          image the workspace is built FROM
#                       (default scitex-portal/debian:bookworm, built here;
#                       anything else, e.g. debian:bookworm, is pulled if missing)
#   WORKSPACE_IMAGE     default scitex-portal/workspace:latest
#   TEST_IMAGE          default scitex-portal/workspace-test:latest
#   DEBIAN_MIRROR       default: this host's apt mirror for bookworm, else
#                       http://deb.debian.org/debian
#   DEBIAN_SECURITY_MIRROR  likewise for bookworm-security
#   NPM_REGISTRY        default https://registry.npmjs.org
#   EXTRA_CA_CERTS_DIR  directory of *.crt files trusted while building the
#                       workspace (for TLS-inspecting proxies); default
#                       /usr/local/share/ca-certificates if it has any
#   IMAGES_CACHE_DIR    work/cache/log dir, default
#                       ${XDG_CACHE_HOME:-/var/cache}/scitex-portal
#   WORKSPACE_BUILD_CACHE  tag kept on the workspace build stage as layer cache
#                       (default scitex-portal/workspace-build-cache:latest)
#   FORCE_REBUILD       1 = rebuild everything requested even if the inputs
#                       hash matches, bypassing docker's layer cache (picks up
#                       new Debian/npm packages); or a list: workspace,test
#   VERBOSE=1           stream build output (otherwise it goes to a log file)
#
# (Commands run inside containers are single-quoted on purpose.)
# shellcheck disable=SC2016
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/images-common.sh
source "$REPO/scripts/lib/images-common.sh"

SUITE=bookworm
LOCAL_BASE_IMAGE="scitex-portal/debian:$SUITE"
BASE_IMAGE="${BASE_IMAGE:-$LOCAL_BASE_IMAGE}"
WORKSPACE_IMAGE="${WORKSPACE_IMAGE:-scitex-portal/workspace:latest}"
TEST_IMAGE="${TEST_IMAGE:-scitex-portal/workspace-test:latest}"
NPM_REGISTRY="${NPM_REGISTRY:-https://registry.npmjs.org}"
WORKSPACE_BUILD_CACHE="${WORKSPACE_BUILD_CACHE:-scitex-portal/workspace-build-cache:latest}"
IMAGE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The portal's KEEPALIVE_CMD (lib/workspace/spec.ts), for a bare `docker run`; a unit test keeps them equal.
IDLE_CMD='["/bin/sh","-c","trap '"'"'exit 0'"'"' TERM; while :; do sleep 3600 & wait $!; done"]'

if [[ -z "${IMAGES_CACHE_DIR:-}" ]]; then
  IMAGES_CACHE_DIR="${XDG_CACHE_HOME:-/var/cache}/scitex-portal"
  # Non-root users cannot write /var/cache; fall back to their own cache.
  if ! mkdir -p "$IMAGES_CACHE_DIR" 2>/dev/null || [[ ! -w "$IMAGES_CACHE_DIR" ]]; then
    IMAGES_CACHE_DIR="$HOME/.cache/scitex-portal"
  fi
fi
LOG_DIR="$IMAGES_CACHE_DIR/logs"

# Run a noisy command with its output in a log file (or streamed with
# VERBOSE=1); on failure show the tail so the cause is visible.
run_logged() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  mkdir -p "$LOG_DIR"
  images_log "  log: $log"
  if [[ "${VERBOSE:-0}" == 1 ]]; then
    "$@" 2>&1 | tee "$log" >&2 && return 0
  else
    "$@" >"$log" 2>&1 && return 0
  fi
  images_log "---- last lines of $log ----"
  tail -n 40 "$log" >&2
  images_die "$name failed (full log: $log)"
}

# Cleanup actions run when the script exits, however it exits.
CLEANUP=()
on_exit() { CLEANUP+=("$(printf '%q ' "$@")"); }
run_cleanup() {
  local cmd
  for cmd in "${CLEANUP[@]}"; do eval "$cmd" || true; done
}
trap run_cleanup EXIT

# Run a command in a throwaway container of the given image; fail loudly.
verify() {
  local image="$1" what="$2"; shift 2
  local out
  if ! out=$(docker run --rm "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    docker rmi "$image" >/dev/null 2>&1 || true
    images_die "verification failed: $what"
  fi
  images_log "  ok: $what${out:+ -> $(tr '\n' ' ' <<<"$out" | cut -c1-100)}"
}

# The portal stops workspaces with `docker stop`; the idle CMD must exit on
# TERM at once instead of waiting out the kill timeout.
verify_idle_cmd() {
  local image="$1" kind="$2" cid t0 code
  cid=$(docker run -d "$image")
  t0=$(date +%s)
  docker stop -t 10 "$cid" >/dev/null
  code=$(docker inspect -f '{{ .State.ExitCode }}' "$cid")
  docker rm "$cid" >/dev/null
  if (( $(date +%s) - t0 > 5 )) || [[ "$code" != 0 ]]; then
    docker rmi "$image" >/dev/null 2>&1 || true
    images_die "verification failed: $kind: idle CMD did not stop cleanly on TERM (exit $code)"
  fi
  images_log "  ok: $kind: idle CMD exits 0 on docker stop"
}

build_base() {
  local mirror security hash tmp started rootfs
  mirror="${DEBIAN_MIRROR:-$(images_host_mirror "$SUITE")}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  security="${DEBIAN_SECURITY_MIRROR:-$(images_host_mirror "$SUITE-security")}"
  security="${security:-http://deb.debian.org/debian-security}"
  hash=$(images_hash "$REPO/images/base" "suite=$SUITE" "mirror=$mirror" \
    "security=$security" "arch=$(dpkg --print-architecture)" "path=$IMAGE_PATH")

  if images_up_to_date "$LOCAL_BASE_IMAGE" "$hash" base; then
    images_log "base: $LOCAL_BASE_IMAGE is up to date"
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || images_die "base: debootstrap needs root (run as root or use BASE_IMAGE=debian:$SUITE)"
  images_require debootstrap tar

  started=$(date +%s)
  images_log "base: debootstrap $SUITE from $mirror"
  rootfs="$IMAGES_CACHE_DIR/rootfs-$SUITE"
  remove_rootfs "$rootfs"
  mkdir -p "$rootfs" "$IMAGES_CACHE_DIR/debs-$SUITE"
  on_exit remove_rootfs "$rootfs"
  # The .debs are kept outside the rootfs so that re-bootstrapping is faster.
  run_logged base-debootstrap "$REPO/images/base/mkrootfs.sh" \
    "$rootfs" "$SUITE" "$mirror" "$security" "$IMAGES_CACHE_DIR/debs-$SUITE"

  tmp=$(images_candidate_tag "$LOCAL_BASE_IMAGE" "$hash")
  images_log "base: importing"
  tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change "ENV PATH=$IMAGE_PATH" \
    --change 'CMD ["bash"]' \
    --change "LABEL $IMAGES_LABEL_KIND=base $IMAGES_LABEL_HASH=$hash" \
    - "$tmp" >/dev/null
  remove_rootfs "$rootfs"

  verify "$tmp" "base: apt and bash work" "$tmp" bash -c 'apt-get --version | head -n1'
  images_promote "$tmp" "$LOCAL_BASE_IMAGE" base
  images_log "base: built $LOCAL_BASE_IMAGE in $(images_elapsed "$started"), $(image_size "$LOCAL_BASE_IMAGE")"
}

# A failed debootstrap can leave proc/sys (or a bind-mounted /dev) mounted
# inside the rootfs; unmount them first and never cross filesystems.
remove_rootfs() {
  local dir="$1" mnt
  [[ -e "$dir" ]] || return 0
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r)
  rm -rf --one-file-system "$dir"
}

image_size() {
  docker image inspect -f '{{ .Size }}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

build_test() {
  local hash versions tmp started work
  images_require apt-get apt-cache dpkg-deb tar
  versions=$(apt-cache policy busybox-static bash-static util-linux libc6 openssh-sftp-server | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p $2 }')
  [[ "$versions" != *"(none)"* ]] || images_die "test: busybox-static/bash-static/util-linux/libc6/openssh-sftp-server not available from apt (try: apt-get update)"
  hash=$(images_hash "$REPO/images/test" "$versions" "path=$IMAGE_PATH" "cmd=$IDLE_CMD")

  if images_up_to_date "$TEST_IMAGE" "$hash" test; then
    images_log "test: $TEST_IMAGE is up to date"
    return 0
  fi

  started=$(date +%s)
  images_log "test: assembling rootfs from $(tr '\n' ' ' <<<"$versions")"
  work=$(mktemp -d)
  on_exit rm -rf "$work"
  "$REPO/images/test/mkrootfs.sh" "$work/rootfs.tar" \
    || images_die "test: could not assemble rootfs (is apt-get download working? try apt-get update)"

  tmp=$(images_candidate_tag "$TEST_IMAGE" "$hash")
  docker import \
    --change "ENV PATH=$IMAGE_PATH" \
    --change "ENV LANG=C.UTF-8" \
    --change "USER user" \
    --change "WORKDIR /home/user" \
    --change "CMD $IDLE_CMD" \
    --change "LABEL $IMAGES_LABEL_KIND=test $IMAGES_LABEL_HASH=$hash" \
    "$work/rootfs.tar" "$tmp" >/dev/null

  verify "$tmp" "test: login shell as user" "$tmp" \
    bash -lc 'test "$(id -u):$(id -g)" = 1000:1000 && test "$HOME" = /home/user && test -w "$HOME" && ps >/dev/null && id'
  # docker applies the client's window size only after the process starts,
  # so set one explicitly to check the pty rather than racing the resize.
  verify "$tmp" "test: tty" -t "$tmp" bash -lc 'stty rows 24 cols 80 && test "$(stty size)" = "24 80" && tty'
  verify "$tmp" "test: bash /dev/tcp + busybox nc/httpd" "$tmp" bash -c '
    (nc -l -p 8080 >/tmp/got &) ; sleep 0.3
    echo hello >/dev/tcp/127.0.0.1/8080; sleep 0.3; grep -q hello /tmp/got
    command -v httpd >/dev/null && echo tcp-ok'
  verify "$tmp" "test: flock (the workspace lease)" "$tmp" bash -c '
    exec 9>/tmp/lease && flock -n 9 && ! flock -n /tmp/lease true && echo lock-ok'
  verify_idle_cmd "$tmp" test
  images_promote "$tmp" "$TEST_IMAGE" test
  images_log "test: built $TEST_IMAGE in $(images_elapsed "$started"), $(image_size "$TEST_IMAGE")"
}

ensure_base_image() {
  if [[ "$BASE_IMAGE" == "$LOCAL_BASE_IMAGE" ]]; then
    build_base
  elif ! images_exists "$BASE_IMAGE"; then
    images_log "workspace: pulling $BASE_IMAGE"
    docker pull -q "$BASE_IMAGE" >/dev/null || images_die "cannot pull BASE_IMAGE=$BASE_IMAGE"
  fi
}

# The build stage is tagged so that exactly one copy of it stays around as
# layer cache (rebuilding it recompiles code-server); older copies become
# dangling and are pruned by label. A changed CACHE_BUST busts every RUN.
docker_build_workspace() {
  local ctx="$1" tmp="$2" hash="$3" cache_bust=""
  images_forced workspace && cache_bust="$(date +%s)"
  local args=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "NPM_REGISTRY=$NPM_REGISTRY"
    --build-arg "CACHE_BUST=$cache_bust")
  docker build "${args[@]}" --target build -t "$WORKSPACE_BUILD_CACHE" "$ctx"
  images_prune_kind workspace-build
  docker build "${args[@]}" \
    --label "$IMAGES_LABEL_KIND=workspace" --label "$IMAGES_LABEL_HASH=$hash" \
    -t "$tmp" "$ctx"
}

build_workspace() {
  local ctx="$REPO/images/workspace" base_id hash tmp started ca_dir
  ensure_base_image
  base_id=$(images_id "$BASE_IMAGE")
  hash=$(IMAGES_HASH_EXCLUDE='./.ca/*' images_hash "$ctx" "base=$base_id" "npm=$NPM_REGISTRY")

  if images_up_to_date "$WORKSPACE_IMAGE" "$hash" workspace; then
    images_log "workspace: $WORKSPACE_IMAGE is up to date"
    return 0
  fi

  started=$(date +%s)
  # The certificates only need to exist for the duration of the build.
  mkdir -p "$ctx/.ca"
  find "$ctx/.ca" -mindepth 1 -delete
  on_exit find "$ctx/.ca" -mindepth 1 -delete
  ca_dir=$(images_ca_dir)
  if [[ -n "$ca_dir" ]]; then
    images_log "workspace: trusting extra CA certificates from $ca_dir during the build"
    find -L "$ca_dir" -type f -name '*.crt' -exec cp -L {} "$ctx/.ca/" \;
  fi

  # Without the buildx plugin, newer docker CLIs error out if BuildKit was
  # requested; the classic builder handles this Dockerfile fine.
  if [[ -z "${DOCKER_BUILDKIT:-}" ]] && ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
  fi

  tmp=$(images_candidate_tag "$WORKSPACE_IMAGE" "$hash")
  images_log "workspace: docker build FROM $BASE_IMAGE (cold: ~5 min on 2 cores; small changes reuse cached layers)"
  run_logged workspace-build docker_build_workspace "$ctx" "$tmp" "$hash"

  verify "$tmp" "workspace: python stack" "$tmp" \
    python3 -c 'import numpy, pandas, matplotlib; print("numpy", numpy.__version__)'
  verify "$tmp" "workspace: git" "$tmp" git --version
  verify "$tmp" "workspace: jupyter" "$tmp" jupyter notebook --version
  verify "$tmp" "workspace: code-server" "$tmp" sh -c 'code-server --version | head -n1'
  # The editor answers its health check, but without the portal's cookie only a login page.
  verify "$tmp" "workspace: code-server /healthz, password required" "$tmp" bash -c '
    HASHED_PASSWORD=0123abcd start-code-server >/tmp/cs.log 2>&1 &
    for _ in $(seq 60); do
      if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then
        anon=$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8080/)
        owner=$(curl -s -o /dev/null -w "%{http_code}" -H "Cookie: code-server-session=0123abcd" http://127.0.0.1:8080/)
        echo "without the cookie: $anon, with it: $owner"
        [ "$anon" = 302 ] && [ "$owner" = 200 ] && exit 0
        cat /tmp/cs.log; exit 1
      fi
      sleep 1
    done
    cat /tmp/cs.log; exit 1'
  verify "$tmp" "workspace: start-code-server refuses to run without a password" "$tmp" bash -c '
    ! start-code-server 2>/dev/null'
  verify_idle_cmd "$tmp" workspace
  images_promote "$tmp" "$WORKSPACE_IMAGE" workspace
  images_log "workspace: built $WORKSPACE_IMAGE in $(images_elapsed "$started"), $(image_size "$WORKSPACE_IMAGE")"
}

main() {
  local target="${1:-all}" started
  case "$target" in
    base | test | workspace | all) ;;
    -h | --help) sed -n '2,/^# (Commands/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) images_die "unknown target '$target' (expected base, test, workspace or all)" ;;
  esac
  images_require docker
  docker info >/dev/null 2>&1 || images_die "cannot talk to the docker daemon (is dockerd running?)"

  mkdir -p "$IMAGES_CACHE_DIR"
  # Two concurrent runs would fight over the rootfs dir and image tags.
  exec 9>"$IMAGES_CACHE_DIR/.lock"
  if ! flock -n 9; then
    images_log "waiting for another build-images.sh run to finish"
    flock 9
  fi

  started=$(date +%s)
  case "$target" in
    base) build_base ;;
    test) build_test ;;
    workspace) build_workspace ;;
    all)
      build_test
      build_workspace
      ;;
  esac
  images_log "done ($target) in $(images_elapsed "$started")"
}

main "$@"
