#!/usr/bin/env bash
# Runs memstore's whole test suite on a fresh machine with Rust installed:
# installs what is missing (the wasm32-wasip2 target), then runs the Rust
# tests of every workspace crate. This is the README's test command and the
# body of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

echo "==> cargo test"
cargo test --locked
