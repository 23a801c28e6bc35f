#!/usr/bin/env bash
# `npm test`: type-check, then every vitest project (unit, peers, hostile, integration, which
# starts a real control plane, and last the three-minute soak under faults, which starts its own),
# then one closing line "N passed, N failed, N skipped" for CI.
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
npx tsc -p tsconfig.json --noEmit || { echo "0 passed, 1 failed (type check)"; exit 1; }
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" "$@"
status=$?
node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed (vitest wrote no results)"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results/vitest.json"
exit $status
