#!/usr/bin/env bash
# Creates (once) and updates the Python virtual environment the tests use —
# the pinned Anthropic SDK (the reference for differential tests and the
# client of the conformance suite) and pytest — then prints its path.
# Usage: venv=$(bash tests/python-env.sh [DIR]); default DIR: target/test-venv.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${CONFORMANCE_VENV:-${CARGO_TARGET_DIR:-$repo/target}/test-venv}}
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >&2; then
        # Debian splits ensurepip out of python3; install it and retry.
        rm -rf "$venv"
        { apt-get install -y -qq python3-venv || { apt-get update -qq && apt-get install -y -qq python3-venv; }; } >&2
        python3 -m venv "$venv" >&2
    fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$repo/tests/conformance/requirements.txt" >&2
echo "$venv"
