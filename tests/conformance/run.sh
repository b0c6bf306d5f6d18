#!/usr/bin/env bash
# Runs the SDK conformance suite (API-01): the pinned `anthropic` SDK drives
# a real `memstore serve` (MEMSTORE_BIN, default target/debug/memstore; build
# it first with `cargo build -p memstore`). Extra arguments go to pytest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=$(bash "$repo/tests/python-env.sh")
export MEMSTORE_BIN=${MEMSTORE_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/memstore}
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"
