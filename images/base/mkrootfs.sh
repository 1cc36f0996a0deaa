#!/usr/bin/env bash
# Build a minimal Debian root filesystem suitable for `docker import`.
# Usage: mkrootfs.sh TARGET_DIR SUITE MIRROR SECURITY_MIRROR [DEB_CACHE_DIR]
# Called by scripts/build-images.sh; this file is part of the base image's
# inputs hash, so editing it triggers a rebuild.
set -euo pipefail

target="$1" suite="$2" mirror="$3" security_mirror="$4" deb_cache="${5:-}"

[[ "$(id -u)" == 0 ]] || { echo "mkrootfs.sh: debootstrap needs root" >&2; exit 1; }

opts=(--variant=minbase)
[[ -n "$deb_cache" ]] && opts+=(--cache-dir="$deb_cache")
debootstrap "${opts[@]}" "$suite" "$target" "$mirror"

# Downloaded packages, indexes and host-specific files would only bloat the
# image or leak the build host's identity into every container.
rm -rf "$target"/var/cache/apt/archives/*.deb \
  "$target"/var/cache/apt/*.bin \
  "$target"/var/lib/apt/lists/* \
  "$target"/var/log/bootstrap.log \
  "$target"/tmp/* \
  "$target"/etc/resolv.conf \
  "$target"/etc/hostname
# Docker provides /dev at run time; keep device nodes out of the tarball.
# Never touch it while something (e.g. a bind-mounted host /dev) is mounted.
if findmnt -rn -o TARGET | grep -q "^$target/"; then
  echo "mkrootfs.sh: filesystems still mounted under $target" >&2
  exit 1
fi
find "$target/dev" -mindepth 1 -xdev -delete

# debootstrap only configures the release itself; containers also need
# point-release and security updates.
rm -f "$target/etc/apt/sources.list"
cat >"$target/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# There is no init system in a container: stop package maintainer scripts
# from trying to start daemons during `apt-get install`.
cat >"$target/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
exit 101
EOF
chmod 755 "$target/usr/sbin/policy-rc.d"

# Translations are never used by scripted installs and double the index size.
cat >"$target/etc/apt/apt.conf.d/90scitex-container" <<'EOF'
Acquire::Languages "none";
EOF
