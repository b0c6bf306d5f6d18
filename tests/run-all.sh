#!/usr/bin/env bash
# Runs memstore's whole test suite on a fresh machine with Rust installed:
# installs what is missing (the wasm32-wasip2 target), then runs the Rust
# tests of every workspace crate, and ends with one line totalling every
# test runner's results. This is the README's test command and CI's body.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

echo "==> cargo test"
cargo test --locked 2>&1 | tee -a "$log"

# cargo prints one "test result:" line per test binary; sum them up.
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^(passed|failed|ignored);?$/) { n[$(i)] += $(i - 1) }
        }
     }
     END { printf "total: %d passed, %d failed, %d skipped\n", n["passed;"], n["failed;"], n["ignored;"] }' "$log"
