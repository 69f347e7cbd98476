#!/usr/bin/env bash
# Idempotently create a Python venv holding localstripe (a fake, stateful
# Stripe API server from PyPI) for Rehearse's integration tests, and print
# the venv's python path on stdout (the only thing printed on stdout).
#
# Usage: tests/stripe/setup-localstripe.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/localstripe
#   PYTHON (env) selects the interpreter used to create the venv
#   (default: python3; needs Python >= 3.9).
#
# Then run the fake with:
#   "$(tests/stripe/setup-localstripe.sh)" tests/stripe/localstripe_wrapper.py --port 8420
set -euo pipefail

LOCALSTRIPE_VERSION=1.15.10

venv="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/localstripe}"
python="${PYTHON:-python3}"
stamp="$venv/.rehearse-localstripe-$LOCALSTRIPE_VERSION"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] \
    && "$venv/bin/python" -c 'import localstripe.server' >/dev/null 2>&1; then
    echo "$venv/bin/python"
    exit 0
fi

mkdir -p "$(dirname "$venv")"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" >&2
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
    "localstripe==$LOCALSTRIPE_VERSION" >&2
"$venv/bin/python" -c 'import localstripe.server' >&2
rm -f "$venv"/.rehearse-localstripe-*
touch "$stamp"
echo "$venv/bin/python"
