#!/usr/bin/env bash
# The whole test suite from a fresh machine: set-up first (idempotent), then unit, integration and e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export NEXT_TELEMETRY_DISABLED=1

report=$(mktemp --suffix=.json)
trap 'rm -f "$report"' EXIT
status=0
npx tsc --noEmit -p . || status=$?
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# The closing line CI reads, whatever the reporter printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || status=1
exit "$status"
