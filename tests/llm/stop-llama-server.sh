#!/usr/bin/env bash
# Stop a llama-server started by start-llama-server.sh.
#
# Usage: tests/llm/stop-llama-server.sh PORT [CACHE_DIR]
#   CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm
#
# Idempotent: with no pid file, or a pid that is gone, it just says so and
# exits 0, so it is safe to call from cleanup traps.
#
# Tunables (environment):
#   LLAMA_SERVER_STOP_TIMEOUT  seconds to wait after SIGTERM before SIGKILL
#                              (default 15)
set -euo pipefail

log() { printf '[stop-llama-server] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 PORT [CACHE_DIR]"
PORT="$1"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "invalid port: $PORT"
CACHE_DIR="${2:-${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm}"
TIMEOUT="${LLAMA_SERVER_STOP_TIMEOUT:-15}"
PID_FILE="$CACHE_DIR/llama-server-$PORT.pid"

if [[ ! -f "$PID_FILE" ]]; then
    log "no pid file $PID_FILE; nothing to stop"
    exit 0
fi
pid="$(cat "$PID_FILE" 2>/dev/null || true)"
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
    log "server on port $PORT is not running; removing stale pid file"
    rm -f "$PID_FILE"
    exit 0
fi
# Pids get reused: only signal the process if it still is a llama-server.
if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'llama-server'; then
    log "pid $pid is no longer a llama-server; removing stale pid file"
    rm -f "$PID_FILE"
    exit 0
fi

kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
        log "pid $pid ignored SIGTERM for ${TIMEOUT} s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
    fi
    sleep 0.2
done
rm -f "$PID_FILE"
log "stopped llama-server on port $PORT (pid $pid)"
