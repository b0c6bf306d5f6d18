#!/usr/bin/env bash
# Runs memstore's whole test suite on a fresh machine with Rust and Python 3:
# installs what is missing (the wasm32-wasip2 target; the pinned Anthropic SDK
# and pytest in a virtual environment; PostgreSQL from Debian's packages, of
# which it starts a throw-away cluster on loopback), runs the Rust tests of every
# workspace crate — the differential tests compare against that SDK — then
# the SDK conformance suite against a real server, and ends with one line
# totalling every runner's results. README's test command; CI's body.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"; bash tests/postgres-cluster.sh stop >/dev/null 2>&1 || true' EXIT

echo "==> rustup target add wasm32-wasip2"
rustup target add wasm32-wasip2

echo "==> Python environments with the pinned SDKs"
venv=$(bash tests/python-env.sh)
export MEMSTORE_REFERENCE_PYTHON="$venv/bin/python"
# The reference `bash` (agent_toolset) first shipped in a newer SDK than the
# one the API is pinned to; it gets an environment of its own.
bash_venv=$(bash tests/python-env.sh "${CARGO_TARGET_DIR:-$PWD/target}/bash-venv" tests/bash/requirements.txt)
export MEMSTORE_BASH_REFERENCE_PYTHON="$bash_venv/bin/python"

echo "==> PostgreSQL: a throw-away cluster for the backend suite"
# Installs Debian's postgresql when missing; every PostgreSQL test fails
# rather than skips without it.
MEMSTORE_TEST_POSTGRES_URL=$(bash tests/postgres-cluster.sh start)
export MEMSTORE_TEST_POSTGRES_URL MEMSTORE_REQUIRE_POSTGRES=1

echo "==> cargo test --workspace"
cargo test --locked --workspace 2>&1 | tee -a "$log"

echo "==> SDK conformance suite (pytest)"
# Against target/debug/memstore as `cargo test --workspace` just built it
# (the CLI tests need it): a separate `cargo build -p memstore` resolves other
# features and would compile wasmtime, axum and the rest a second time.
bash tests/conformance/run.sh 2>&1 | tee -a "$log"

echo "==> SDK conformance suite (pytest) on two hosts sharing PostgreSQL"
# Two servers on one fresh database; the SDK's clients alternate between
# them request by request (DUR-05).
MEMSTORE_CONFORMANCE_DB=$(bash tests/postgres-cluster.sh createdb memstore_conformance) \
    MEMSTORE_CONFORMANCE_HOSTS=2 bash tests/conformance/run.sh 2>&1 | tee -a "$log"

# cargo prints "test result: ok. N passed; N failed; N ignored; …" per test
# binary, pytest "N passed, N skipped in 3.2s"; add them all up.
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) if ($(i) ~ /^(passed|failed|ignored);$/) n[$(i)] += $(i - 1)
     }
     /^[0-9]+ (passed|failed|skipped)/ && / in [0-9.]+s/ {
        for (i = 1; i <= NF; i++) {
            w = $(i); gsub(/,/, "", w)
            if (w == "passed" || w == "failed") n[w ";"] += $(i - 1)
            if (w == "skipped") n["ignored;"] += $(i - 1)
        }
     }
     END { printf "total: %d passed, %d failed, %d skipped\n", n["passed;"], n["failed;"], n["ignored;"] }' "$log"
