# Shared helpers for scripts/build-images.sh (sourced, not executed).
# shellcheck shell=bash

# Every label on the portal's images starts with the prefix its containers' labels start with
# (lib/workspace/labels.ts; images/workspace/Dockerfile spells it out; tests/unit/workspace-labels.test.ts holds
# all three equal).
IMAGES_LABEL_PREFIX="org.scitex.portal."
IMAGES_LABEL_HASH="${IMAGES_LABEL_PREFIX}inputs-hash"
IMAGES_LABEL_KIND="${IMAGES_LABEL_PREFIX}image"
# Images built before the prefixes were made one carry this kind label; their leftovers are pruned by it too.
IMAGES_LEGACY_LABEL_KIND="io.scitex.portal.image"

# Drops the untagged copies of one kind of image, whichever prefix they were labelled with.
images_prune_kind() {
  local kind="$1" label
  for label in "$IMAGES_LABEL_KIND" "$IMAGES_LEGACY_LABEL_KIND"; do
    docker image prune -f --filter "label=$label=$kind" >/dev/null || true
  done
}

images_log() { printf '[images] %s\n' "$*" >&2; }
images_die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

images_require() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || images_die "required command not found: $cmd"
  done
}

# Seconds since an epoch timestamp, for progress lines.
images_elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# Hash a directory's files (path, mode, content) plus any extra strings.
# Paths matching IMAGES_HASH_EXCLUDE (a find -path pattern) are skipped so
# per-host material such as CA certificates does not force rebuilds.
images_hash() {
  local dir="$1"; shift
  {
    (
      cd "$dir" || exit 1
      find . -type f ! -path "${IMAGES_HASH_EXCLUDE:-./.nonexistent/*}" -printf '%m %p\n' \
        | LC_ALL=C sort -k2 \
        | while read -r mode path; do
            printf '%s %s %s\n' "$mode" "$path" "$(sha256sum <"$path" | cut -d' ' -f1)"
          done
    )
    printf '%s\n' "$@"
  } | sha256sum | cut -d' ' -f1
}

images_exists() { docker image inspect "$1" >/dev/null 2>&1; }

images_label() {
  docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

images_id() { docker image inspect -f '{{ .Id }}' "$1"; }

# FORCE_REBUILD is 1 (everything) or a comma-separated list of kinds.
images_forced() {
  local kind="$1"
  [[ "${FORCE_REBUILD:-0}" == 1 || ",${FORCE_REBUILD:-}," == *",$kind,"* ]]
}

# True when the image exists and was built from the same inputs.
images_up_to_date() {
  local image="$1" hash="$2" kind="$3"
  ! images_forced "$kind" || return 1
  [[ "$(images_label "$image" "$IMAGES_LABEL_HASH")" == "$hash" ]]
}

# Temporary tag in the same repository as IMAGE, used until verification
# passes. A registry port (host:5000/name) is not mistaken for a tag.
images_candidate_tag() {
  local image="$1" hash="$2" repo="$1"
  [[ "${image##*/}" == *:* ]] && repo="${image%:*}"
  echo "$repo:candidate-${hash:0:12}"
}

# Move a verified temporary tag onto the real name, then drop untagged
# leftovers of earlier builds of the same kind to keep disk use bounded.
images_promote() {
  local tmp="$1" image="$2" kind="$3"
  docker tag "$tmp" "$image"
  docker rmi "$tmp" >/dev/null
  images_prune_kind "$kind"
}

# Print the first URI apt on this host uses for the given Debian suite
# (deb822 .sources first, then one-line sources.list), or nothing.
images_host_mirror() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    # deb822 stanzas are blank-line separated; match on the Suites field.
    uri=$(awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; hit = 0; deb = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^#/) continue
          split($i, kv, /:[ \t]*/)
          key = tolower(kv[1]); val = substr($i, length(kv[1]) + 2); sub(/^[ \t]+/, "", val)
          if (key == "uris") uris = val
          if (key == "types" && val ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
          if (key == "suites") { n = split(val, s, /[ \t]+/); for (j = 1; j <= n; j++) if (s[j] == suite) hit = 1 }
        }
        if (hit && deb && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f")
    [[ -n "$uri" ]] && { echo "${uri%/}"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    uri=$(awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f")
    [[ -n "$uri" ]] && { echo "${uri%/}"; return 0; }
  done
  return 0
}

# Directory holding extra CA certificates (*.crt) to trust while building,
# or nothing when there are none. An explicitly set EXTRA_CA_CERTS_DIR must
# exist; the default is only used when it actually contains certificates.
images_ca_dir() {
  if [[ -n "${EXTRA_CA_CERTS_DIR:-}" ]]; then
    [[ -d "$EXTRA_CA_CERTS_DIR" ]] || images_die "EXTRA_CA_CERTS_DIR=$EXTRA_CA_CERTS_DIR is not a directory"
    echo "$EXTRA_CA_CERTS_DIR"
    return 0
  fi
  local d=/usr/local/share/ca-certificates
  if [[ -d "$d" ]] && [[ -n "$(find "$d" -name '*.crt' -print -quit)" ]]; then
    echo "$d"
  fi
}
