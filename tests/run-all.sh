#!/usr/bin/env bash
# Runs memstore's whole test suite on a fresh machine with Rust and Python 3:
# installs what is missing (the wasm32-wasip2 target; the pinned Anthropic SDK
# in a virtual environment, the reference the differential tests compare
# against), runs the tests of every workspace crate, and ends with one line
# totalling every test runner's results. README's test command; CI's body.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

venv=target/test-venv
echo "==> Python virtual environment with the pinned SDK ($venv)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt
export MEMSTORE_REFERENCE_PYTHON="$PWD/$venv/bin/python"

echo "==> cargo test --workspace"
cargo test --locked --workspace 2>&1 | tee -a "$log"

# cargo prints one "test result:" line per test binary; sum them up.
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^(passed|failed|ignored);?$/) { n[$(i)] += $(i - 1) }
        }
     }
     END { printf "total: %d passed, %d failed, %d skipped\n", n["passed;"], n["failed;"], n["ignored;"] }' "$log"
