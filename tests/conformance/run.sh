#!/usr/bin/env bash
# Runs the SDK conformance suite (API-01): installs the pinned `anthropic`
# SDK and pytest into a virtual environment, then drives a real
# `memstore serve` through the SDK. Build the binary first
# (`cargo build -p memstore`). CI calls this after the Rust tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
venv=${CONFORMANCE_VENV:-$target/conformance-venv}
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv"; then
        # Debian splits ensurepip out of python3; install it and retry.
        rm -rf "$venv"
        apt-get install -y -qq python3-venv >/dev/null || {
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        }
        python3 -m venv "$venv"
    fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
export MEMSTORE_BIN=${MEMSTORE_BIN:-$target/debug/memstore}
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"
