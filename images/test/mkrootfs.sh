#!/usr/bin/env bash
# Assemble the tiny test workspace root filesystem as a tarball for
# `docker import`: static bash + static busybox + the files under rootfs/,
# and util-linux's flock with the C library it links (busybox-static has no
# flock applet; the portal's workspace command takes its lease with flock),
# and OpenSSH's sftp-server (libc only), which the SSH gateway runs for sftp
# and scp.
# Usage: mkrootfs.sh OUT_TAR
# Needs only `apt-get download` and dpkg-deb (no root, no debootstrap), so
# the portal's integration tests can get an image in seconds.
set -euo pipefail

out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/debs" "$work/x" "$work/root"
(
  cd "$work/debs"
  # As root apt drops privileges to _apt for downloads, which cannot write
  # into our private temp dir; downloading as root is fine here.
  sandbox=()
  [[ "$(id -u)" == 0 ]] && sandbox=(-o APT::Sandbox::User=root)
  apt-get -q "${sandbox[@]}" download busybox-static bash-static util-linux libc6 openssh-sftp-server >/dev/null
)
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/x"
done

r="$work/root"
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,home/user,tmp,var/tmp,dev,proc,sys,run}
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 700 "$r/root"

install -m 755 "$work/x/bin/busybox" "$r/bin/busybox"
install -m 755 "$work/x/bin/bash-static" "$r/bin/bash"
install -m 755 "$work/x/usr/bin/flock" "$r/usr/bin/flock"
install -D -m 755 "$work/x/usr/lib/openssh/sftp-server" "$r/usr/lib/openssh/sftp-server"
# Only the loader and libc.so.6 (all flock and sftp-server link), at the paths the package gives them.
(cd "$work/x" && find lib lib64 \( -name 'ld-linux*' -o -name 'libc.so.6' \) -exec cp -a --parents {} "$r/" \;)

# Every applet gets its conventional path, except where we ship the real
# thing (bash) or our own stand-in from rootfs/.
while read -r applet; do
  case "$applet" in
    */* ) ;;
    *) continue ;;
  esac
  [[ -e "$r/$applet" || -L "$r/$applet" || -e "$here/rootfs/$applet" ]] && continue
  ln -s /bin/busybox "$r/$applet"
done < <("$r/bin/busybox" --list-full | grep -E '^(usr/)?s?bin/')

cp -a "$here/rootfs/." "$r/"
ln -s pgrep "$r/usr/bin/pkill"
printf '/bin/sh\n/bin/bash\n' >"$r/etc/shells"

# Ownership is set in the archive rather than on disk so this works without
# root: everything root-owned except the user's home.
tar -C "$r" --numeric-owner --owner=0 --group=0 --exclude=./home/user -cf "$out" .
tar -C "$r" --numeric-owner --owner=1000 --group=1000 -rf "$out" ./home/user
