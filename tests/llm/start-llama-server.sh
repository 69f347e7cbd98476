#!/usr/bin/env bash
# Start the llama-server built by build-llama-server.sh in the background and
# wait until it is ready to answer.
#
# Usage: tests/llm/start-llama-server.sh PORT [CACHE_DIR]
#   CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm
#
# On success prints exactly one line on stdout, the OpenAI-compatible base URL
# (http://127.0.0.1:PORT/v1), so callers can do URL=$(start-llama-server.sh P).
# Diagnostics go to stderr. The server's pid is written to
# CACHE_DIR/llama-server-PORT.pid and its output to
# CACHE_DIR/llama-server-PORT.log; stop it with stop-llama-server.sh PORT.
#
# Tunables (environment):
#   LLAMA_SERVER_START_TIMEOUT  seconds to wait for readiness (default 120)
#   LLAMA_SERVER_CTX            context size in tokens (default 2048)
#   LLAMA_SERVER_ALIAS          model name the server reports (default smollm2)
set -euo pipefail

log() { printf '[start-llama-server] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 PORT [CACHE_DIR]"
PORT="$1"
[[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]] || die "invalid port: $PORT"
CACHE_DIR="${2:-${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm}"

TIMEOUT="${LLAMA_SERVER_START_TIMEOUT:-120}"
CTX="${LLAMA_SERVER_CTX:-2048}"
ALIAS="${LLAMA_SERVER_ALIAS:-smollm2}"

BIN="$CACHE_DIR/bin/llama-server"
MODEL="$CACHE_DIR/models/smollm2-135m-instruct.gguf"
PID_FILE="$CACHE_DIR/llama-server-$PORT.pid"
LOG_FILE="$CACHE_DIR/llama-server-$PORT.log"
BASE="http://127.0.0.1:$PORT"

command -v curl >/dev/null 2>&1 || die "curl is required"
[[ -x "$BIN" ]] || die "$BIN not found; run tests/llm/build-llama-server.sh first"
[[ -s "$MODEL" ]] || die "$MODEL not found; run tests/llm/build-llama-server.sh first"

# Refuse to start twice on the same port: the pid file would be overwritten
# and the first server orphaned.
if [[ -f "$PID_FILE" ]]; then
    old_pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$old_pid" =~ ^[0-9]+$ ]] && kill -0 "$old_pid" 2>/dev/null; then
        die "a server is already running on port $PORT (pid $old_pid); stop it with stop-llama-server.sh $PORT"
    fi
    log "removing stale pid file $PID_FILE"
    rm -f "$PID_FILE"
fi
# Something else (not ours) listening on the port would make the readiness
# probe below succeed against the wrong process.
if curl -s -o /dev/null --max-time 2 "$BASE/health"; then
    die "something is already listening on 127.0.0.1:$PORT"
fi

# Flags, and why:
#   --host 127.0.0.1      loopback only; the tests never need more.
#   -t 1 -tb 1            one thread for generation and for prompt
#                         processing: the machines have 2 cores and the Rust
#                         side of the tests needs the other one. The 135M
#                         model is fast enough on one core.
#   -c / --parallel 1     one slot with a small context keeps memory low and
#                         makes requests queue rather than compete.
#   --alias               the name /v1/models reports (and echoes back in
#                         responses); requests may name any model, since
#                         a single-model server does not route on it.
#   --no-webui            the UI was not built in; don't advertise it.
#   --jinja               use the model's own chat template (needed for
#                         tool calls and response_format handling).
args=(
    --model "$MODEL"
    --host 127.0.0.1
    --port "$PORT"
    --threads 1
    --threads-batch 1
    --ctx-size "$CTX"
    --parallel 1
    --alias "$ALIAS"
    --no-webui
    --jinja
)

mkdir -p "$(dirname "$PID_FILE")"
log "starting $BIN on $BASE (log: $LOG_FILE)"
# nohup: survive the end of an interactive shell that started it. stdin from
# /dev/null and stdout/stderr to the log so that $(...) around this script
# does not wait for the server to exit. nohup execs, so $! is the server.
nohup "$BIN" "${args[@]}" </dev/null >"$LOG_FILE" 2>&1 &
pid=$!
echo "$pid" >"$PID_FILE"

# /health answers 503 while the model loads and 200 once it can serve.
started=$SECONDS
while true; do
    if ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$PID_FILE"
        log "server exited during startup; last log lines:"
        tail -n 30 "$LOG_FILE" >&2 || true
        exit 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "$BASE/health" 2>/dev/null; then
        break
    fi
    if (( SECONDS - started >= TIMEOUT )); then
        log "not ready after ${TIMEOUT} s; stopping it. Last log lines:"
        tail -n 30 "$LOG_FILE" >&2 || true
        kill "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
        exit 1
    fi
    sleep 0.5
done

log "ready after $((SECONDS - started)) s (pid $pid)"
echo "$BASE/v1"
