#!/usr/bin/env bash
# Installs the Debian packages the portal and its tests use, only those missing; safe to run again and again.
set -euo pipefail

packages=(
  docker.io iptables debootstrap ca-certificates   # the workspace engine and image builds
  openssh-client                                    # SSH gateway tests (ssh, scp, sftp)
  lxcfs                                             # a workspace's own limits in its /proc (free, top)
)
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  # The fonts are the ones the terminal names for CJK and emoji, so the tests see what users with them see.
  packages+=(chromium fonts-noto-cjk fonts-noto-color-emoji python3-django python3-django-oauth-toolkit tmux rsync)
  packages+=(openssh-server ssh-audit xfsprogs)
  packages+=(glusterfs-server glusterfs-client docker-registry)   # the Swarm test cluster (scripts/cluster)
  packages+=(postgresql-15)                         # the shared database of several portal processes
  packages+=(haproxy)                               # the load balancer in front of them (deploy/haproxy.cfg)
fi
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk)                                   # the proxy benchmark's load generator
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "[system] missing Debian packages: ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[system] installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
