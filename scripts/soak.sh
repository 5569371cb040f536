#!/usr/bin/env bash
# Soak benchmark (not part of CI): ten minutes of mixed tool calls (whoami, list_operations,
# query, describe_organization, audit_configuration, confirmed deletions) against ONE serve
# replica of the deploy/ stack, with its RSS and goroutines at the start and the end. The
# figures go to docs/benchmarks.md.
#
#   scripts/soak.sh [DURATION]        # default 10m; e.g. scripts/soak.sh 1m for a quick look
#
# Uses deploy/stack.sh (Redis, dev standing in for WorkOS, replica r1) on ports 24000+ in a
# temporary run directory, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10m}"
export WORKOS_MCP_DEPLOY_PORT_BASE=24000
export WORKOS_MCP_DEPLOY_DIR="${WORKOS_MCP_DEPLOY_DIR:-$(mktemp -d /tmp/workos-mcp-soak.XXXXXX)}"
export WORKOS_MCP_DEPLOY_AUTO_APPROVE=admin@example.com
export WORKOS_MCP_DEPLOY_CONFIRMATION=agent
export WORKOS_MCP_DEPLOY_LIMITS="{per_second: 5000, burst: 10000}"
export WORKOS_MCP_DEPLOY_DEV_ARGS="--rate-limit 0"
trap 'deploy/stack.sh down >/dev/null 2>&1 || true' EXIT
for p in redis dev r1; do deploy/stack.sh start "$p"; done
go build -o "$WORKOS_MCP_DEPLOY_DIR/soak" ./internal/cmd/soak
echo "soak: $duration against http://127.0.0.1:24081 (logs in $WORKOS_MCP_DEPLOY_DIR)"
"$WORKOS_MCP_DEPLOY_DIR/soak" -url http://127.0.0.1:24081 -auth http://127.0.0.1:24080 \
  -resource http://127.0.0.1:24000/mcp -duration "$duration"
