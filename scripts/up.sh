#!/usr/bin/env bash
# One command from a fresh machine to a running portal on http://localhost:3000 with the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
exec npx tsx server/index.ts
