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
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
export MEMSTORE_BIN=${MEMSTORE_BIN:-$target/debug/memstore}
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"
