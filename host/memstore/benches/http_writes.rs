//! PERF-02, second half: durable versioned writes per second through the
//! HTTP API with 16 concurrent clients (each updating its own memory), with
//! p50/p99 latency, beside raw SQLite doing one insert + commit per write of
//! the same bytes, in the same run, with the same settings (WAL,
//! `synchronous=FULL`). The engine group-commits concurrent writes, so the
//! ratio should be at least 1.0.
//!
//! `cargo bench --bench http_writes`; `MEMSTORE_BENCH_WRITES` sets the
//! writes per client (default 200).

mod support;

use std::time::Instant;

use memstore::store::EngineConfig;
use support::{CLIENTS, CONTENT_BYTES, content, http_run, percentile};

fn writes_per_client() -> usize {
    std::env::var("MEMSTORE_BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// Writes per second of raw SQLite: one insert and one fsynced commit per
/// write, same bytes, same journal and sync settings.
fn sqlite_run(total: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("raw.db")).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE versions (id INTEGER PRIMARY KEY, path TEXT NOT NULL, content TEXT NOT NULL);",
    )
    .unwrap();
    let started = Instant::now();
    for i in 0..total {
        let c = i % CLIENTS;
        conn.execute(
            "INSERT INTO versions (path, content) VALUES (?1, ?2)",
            (format!("/client-{c}.md"), content(c, i / CLIENTS)),
        )
        .unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep it quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 5 } else { writes_per_client() };
    let dir = tempfile::tempdir().unwrap();
    let engine = memstore::open(dir.path().join("bench.db"), EngineConfig::default()).unwrap();
    let (http_wps, lat) = http_run(vec![engine], n);
    let raw_wps = sqlite_run(n * CLIENTS);
    println!(
        "PERF-02 durable versioned writes, {CLIENTS} concurrent HTTP clients, {n} writes each, {CONTENT_BYTES}-byte content"
    );
    println!(
        "  memstore HTTP:        {http_wps:>10.1} writes/s   p50 {:>8.2} ms   p99 {:>8.2} ms",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3
    );
    println!("  raw SQLite (1 commit/write, WAL, synchronous=FULL): {raw_wps:>10.1} writes/s");
    println!(
        "  ratio memstore/raw:   {:>10.2}  (goal >= 1.0)",
        http_wps / raw_wps
    );
}
