#!/usr/bin/env bash
# Everything the portal needs on a fresh Debian machine, idempotent: packages, npm modules, dockerd, images.
# Usage: scripts/setup.sh [--test]   (--test adds what the test suite needs: Chromium, Django, OpenSSH server)
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

bash scripts/ensure-system.sh "$@"
bash scripts/ensure-node-modules.sh
bash scripts/ensure-docker.sh
bash scripts/ensure-lxcfs.sh
bash scripts/build-images.sh all
