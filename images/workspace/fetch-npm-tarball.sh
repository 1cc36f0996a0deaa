#!/bin/sh
# Download one package tarball straight from the npm registry, check it
# against its published integrity hash, and unpack it into DEST.
# Used to bootstrap node and npm before either exists in the build stage.
# Usage: fetch-npm-tarball.sh NAME VERSION INTEGRITY DEST
set -eu

name="$1" version="$2" integrity="$3" dest="$4"
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
registry="${registry%/}"
tgz="/tmp/${name##*/}-$version.tgz"

curl -fsSL --retry 3 -o "$tgz" "$registry/$name/-/${name##*/}-$version.tgz"

case "$integrity" in
  sha512-*) ;;
  *) echo "fetch-npm-tarball: unsupported integrity '$integrity'" >&2; exit 1 ;;
esac
want="$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
got="$(sha512sum "$tgz" | cut -d' ' -f1)"
if [ "$want" != "$got" ]; then
  echo "fetch-npm-tarball: integrity mismatch for $name@$version" >&2
  exit 1
fi

mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1 --no-same-owner
rm -f "$tgz"
