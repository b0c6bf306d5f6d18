#!/usr/bin/env bash
# Creates (once) and updates a Python virtual environment the tests use, then
# prints its path. By default: the pinned Anthropic SDK (the reference for the
# file and memory tools' differential tests and the client of the conformance
# suite) and pytest, from tests/conformance/requirements.txt.
# Usage: venv=$(bash tests/python-env.sh [DIR [REQUIREMENTS]]);
# default DIR: target/test-venv.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${CONFORMANCE_VENV:-${CARGO_TARGET_DIR:-$repo/target}/test-venv}}
requirements=${2:-$repo/tests/conformance/requirements.txt}
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >&2; then
        # Debian splits ensurepip out of python3; install it and retry.
        rm -rf "$venv"
        { apt-get install -y -qq python3-venv || { apt-get update -qq && apt-get install -y -qq python3-venv; }; } >&2
        python3 -m venv "$venv" >&2
    fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$requirements" >&2
echo "$venv"
