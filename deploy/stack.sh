#!/usr/bin/env bash
# The replicated deployment on one machine, from Debian packages (redis-server, haproxy):
#
#   Redis ── three `workos-mcp serve` replicas ── HAProxy (the one URL clients use)
#   `workos-mcp dev` stands in for WorkOS: its authorization server is the AuthKit domain, its
#   emulator the WorkOS API.
#
# Usage: deploy/stack.sh [run|up|down|status|kill NAME|stop NAME|start NAME|restart NAME]
#   run (default)  start everything, print the URLs, stop everything on Ctrl-C
#   up / down      start in the background / stop what is running
#   kill NAME      SIGKILL one process; stop NAME: SIGTERM and wait; start / restart NAME
#   NAME is one of redis dev r1 r2 r3 haproxy.
# Environment:
#   WORKOS_MCP_BIN              the binary (default: built with scripts/release.sh into the run dir)
#   WORKOS_MCP_DEPLOY_DIR       run directory: rendered configs, logs, pids, data (default deploy/run)
#   WORKOS_MCP_DEPLOY_PORT_BASE ports: HAProxy BASE, Redis BASE+79, dev BASE+80, replicas
#                               BASE+81..83, HAProxy stats BASE+404 (default 18000)
#   WORKOS_MCP_DEPLOY_AUTO_APPROVE  an email of the demo team: dev approves sign-ins as them (scripts)
#   WORKOS_MCP_DEPLOY_CONFIRMATION  agent: irreversible operations are confirmed by the agent
#                               returning the token (scripts, the fault test); default human
#   WORKOS_MCP_DEPLOY_LIMITS    the team's per-person limits, e.g. "{per_second: 5000, burst: 10000}"
#   WORKOS_MCP_DEPLOY_DEV_ARGS  more flags for dev, e.g. "--rate-limit 0" (no emulated 429s)
# The configuration files (workos-mcp.yaml, haproxy.cfg, redis.conf, stack.env) are the ones
# deploy/compose.yaml mounts; this script only rewrites their ports when the base changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
run="${WORKOS_MCP_DEPLOY_DIR:-$here/run}"
base="${WORKOS_MCP_DEPLOY_PORT_BASE:-18000}"
case "$base" in
  *[!0-9]*|"") echo "stack.sh: WORKOS_MCP_DEPLOY_PORT_BASE=$base is not a number" >&2; exit 2 ;;
esac
if [ "$base" != 18000 ] && { [ $((base % 1000)) -ne 0 ] || [ "$base" -lt 2000 ] || [ "$base" -gt 60000 ] || [ $((base / 1000)) -eq 18 ]; }; then
  echo "stack.sh: WORKOS_MCP_DEPLOY_PORT_BASE must be a multiple of 1000 from 2000 to 60000" >&2; exit 2
fi
port() { echo $((base + $1)); }
names="redis dev r1 r2 r3 haproxy"
PATH="$PATH:/usr/sbin:/sbin"

log() { printf '[stack %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

render() { # render FILE: the stack's config file with this run's ports
  local args=() off
  for off in 0 79 80 81 82 83 404; do
    args+=(-e "s/127\.0\.0\.1:$((18000 + off))\b/127.0.0.1:$(port "$off")/g" -e "s/^port $((18000 + off))\$/port $(port "$off")/")
  done
  if [ "${WORKOS_MCP_DEPLOY_CONFIRMATION:-human}" = agent ]; then
    args+=(-e "s/^    confirmation: human\$/    confirmation: agent/")
  fi
  if [ -n "${WORKOS_MCP_DEPLOY_LIMITS:-}" ]; then
    args+=(-e "s/^    limits: .*\$/    limits: ${WORKOS_MCP_DEPLOY_LIMITS//\//\\/}/")
  fi
  sed "${args[@]}" "$here/$1" > "$run/$1"
}

binary() {
  if [ -n "${WORKOS_MCP_BIN:-}" ]; then echo "$WORKOS_MCP_BIN"; return; fi
  if [ ! -x "$run/bin/workos-mcp" ]; then
    local goos goarch
    goos=$(go env GOOS); goarch=$(go env GOARCH)
    RELEASE_TARGETS="$goos/$goarch" RELEASE_OUT="$run/bin" "$root/scripts/release.sh" >&2
    mv "$run/bin/workos-mcp-$goos-$goarch" "$run/bin/workos-mcp"
  fi
  echo "$run/bin/workos-mcp"
}

prepare() {
  mkdir -p "$run/redis" "$run/dev-data"
  command -v redis-server >/dev/null || die "redis-server not found: apt-get install redis-server"
  command -v haproxy >/dev/null || die "haproxy not found: apt-get install haproxy"
  for f in workos-mcp.yaml haproxy.cfg redis.conf; do render "$f"; done
  if [ ! -s "$run/confirmation.key" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 > "$run/confirmation.key")
  fi
}

pid_of() { [ -s "$run/$1.pid" ] && cat "$run/$1.pid"; }
alive() { local p; p=$(pid_of "$1") && kill -0 "$p" 2>/dev/null; }

port_of() {
  case "$1" in
    redis) port 79 ;; dev) port 80 ;; r1|r2|r3) port $((80 + ${1#r})) ;; haproxy) port 0 ;;
  esac
}

start() {
  local name=$1 bin p
  alive "$name" && { log "$name is already running (pid $(pid_of "$name"))"; return; }
  p=$(port_of "$name")
  if [ -n "$p" ] && (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p (for $name) is already in use: another stack? (stop it, or set WORKOS_MCP_DEPLOY_PORT_BASE)"
  fi
  bin=$(binary)
  local cmd=()
  case "$name" in
    redis) cmd=(redis-server "$run/redis.conf") ;;
    dev)
      cmd=("$bin" dev --addr "127.0.0.1:$(port 80)" --data "$run/dev-data")
      [ -n "${WORKOS_MCP_DEPLOY_AUTO_APPROVE:-}" ] && cmd+=(--auto-approve "$WORKOS_MCP_DEPLOY_AUTO_APPROVE")
      # shellcheck disable=SC2206 # extra flags, split on spaces on purpose
      [ -n "${WORKOS_MCP_DEPLOY_DEV_ARGS:-}" ] && cmd+=($WORKOS_MCP_DEPLOY_DEV_ARGS)
      ;;
    r1|r2|r3) cmd=("$bin" serve --config "$run/workos-mcp.yaml" --addr "127.0.0.1:$(port $((80 + ${name#r})))") ;;
    haproxy) cmd=(haproxy -db -f "$run/haproxy.cfg") ;;
    *) die "unknown process $name (one of: $names)" ;;
  esac
  (
    cd "$run/$( [ "$name" = redis ] && echo redis || echo . )"
    set -a; . "$here/stack.env"; set +a
    WORKOS_MCP_CONFIRMATION_KEY=$(cat "$run/confirmation.key")
    WORKOS_MCP_REDIS_URL="redis://127.0.0.1:$(port 79)/0"
    export WORKOS_MCP_CONFIRMATION_KEY WORKOS_MCP_REDIS_URL
    exec setsid "${cmd[@]}" >>"$run/$name.log" 2>&1 </dev/null
  ) &
  echo $! > "$run/$name.pid"
  wait_up "$name"
  log "$name started (pid $(pid_of "$name"))"
}

wait_up() { # wait until NAME answers, at most 60 s
  local name=$1 i bin
  bin=$(binary)
  for i in $(seq 1 300); do
    alive "$name" || { tail -n 20 "$run/$name.log" >&2; die "$name exited at start (log: $run/$name.log)"; }
    case "$name" in
      redis) redis-cli -p "$(port 79)" ping >/dev/null 2>&1 && return ;;
      dev) "$bin" health --ready --url "http://127.0.0.1:$(port 80)" >/dev/null 2>&1 && return ;;
      r1|r2|r3) "$bin" health --ready --url "http://127.0.0.1:$(port $((80 + ${name#r})))" >/dev/null 2>&1 && return ;;
      haproxy) "$bin" health --url "http://127.0.0.1:$(port 0)" >/dev/null 2>&1 && return ;;
    esac
    sleep 0.2
  done
  die "$name did not become ready within 60 s (log: $run/$name.log)"
}

signal() { # signal NAME SIG: send and, for TERM, wait for the exit (at most 30 s)
  local name=$1 sig=$2 p i
  p=$(pid_of "$name") || { log "$name is not running"; return; }
  if ! kill -0 "$p" 2>/dev/null; then rm -f "$run/$name.pid"; return; fi
  kill "-$sig" "$p"
  for i in $(seq 1 150); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$p" 2>/dev/null && { log "$name did not exit within 30 s of SIG$sig; SIGKILL"; kill -KILL "$p"; }
  rm -f "$run/$name.pid"
  log "$name stopped (SIG$sig)"
}

up() {
  prepare
  for n in $names; do start "$n"; done
  cat >&2 <<EOT

The replicated stack is running (logs and data in $run).

  MCP (HAProxy)        http://127.0.0.1:$(port 0)/mcp
  replicas             http://127.0.0.1:$(port 81) :$(port 82) :$(port 83)   (/readyz, /metrics)
  HAProxy stats        http://127.0.0.1:$(port 404)/
  sign-in / WorkOS     http://127.0.0.1:$(port 80) (workos-mcp dev: people and password in $run/dev.log)
  Redis                redis://127.0.0.1:$(port 79)/0

Connect a client:      $(binary) connect claude-code --url http://127.0.0.1:$(port 0)/mcp
EOT
}

down() {
  local n
  for n in haproxy r3 r2 r1 dev redis; do
    alive "$n" && signal "$n" TERM
    rm -f "$run/$n.pid"
  done
  return 0
}

status() {
  local n
  for n in $names; do
    if alive "$n"; then echo "$n running (pid $(pid_of "$n"))"; else echo "$n stopped"; fi
  done
}

cmd="${1:-run}"
case "$cmd" in
  run)
    trap 'down; exit 0' INT TERM
    up
    log "press Ctrl-C to stop"
    while true; do sleep 1; done
    ;;
  up) up ;;
  down) down ;;
  status) status ;;
  kill) [ $# -eq 2 ] || die "usage: stack.sh kill NAME"; signal "$2" KILL ;;
  stop) [ $# -eq 2 ] || die "usage: stack.sh stop NAME"; signal "$2" TERM ;;
  start) [ $# -eq 2 ] || die "usage: stack.sh start NAME"; prepare; start "$2" ;;
  restart) [ $# -eq 2 ] || die "usage: stack.sh restart NAME"; prepare; signal "$2" TERM; start "$2" ;;
  *) die "unknown command $cmd (run, up, down, status, kill, stop, start, restart)" ;;
esac
