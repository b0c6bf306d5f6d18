//! PERF-02 (first half): durable versioned writes per second through the
//! engine, one writer, beside raw SQLite insert+commit of the same bytes
//! with the same settings (WAL, synchronous=FULL), in the same run.
//!
//! Rounds alternate baseline and engine so that machine noise hits both;
//! the median round of each is reported. Run: `cargo bench --bench
//! write_throughput` (optionally `-- WRITES ROUNDS`).

use std::path::Path;
use std::time::{Duration, Instant};

use memstore::store::{Actor, EngineConfig, NewStore, Precondition};

const CONTENT_BYTES: usize = 1024;

fn content(i: usize) -> String {
    let mut s = format!("memory {i}: ");
    while s.len() < CONTENT_BYTES {
        s.push_str("the quick brown fox jumps over the lazy dog. ");
    }
    s.truncate(CONTENT_BYTES);
    s
}

fn raw_sqlite(dir: &Path, writes: usize) -> Duration {
    let conn = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, path TEXT, content TEXT);",
    )
    .unwrap();
    let start = Instant::now();
    for i in 0..writes {
        conn.execute_batch("BEGIN").unwrap();
        conn.prepare_cached("INSERT INTO t (path, content) VALUES (?1, ?2)")
            .unwrap()
            .execute((format!("/bench/{i}"), content(i)))
            .unwrap();
        conn.execute_batch("COMMIT").unwrap();
    }
    start.elapsed()
}

fn engine_writes(dir: &Path, round: usize, writes: usize) -> Duration {
    let engine = memstore::open(
        dir.join("memstore.db"),
        EngineConfig {
            max_memories_per_store: usize::MAX,
            ..EngineConfig::default()
        },
    )
    .unwrap();
    let actor = Actor::User {
        user_id: "bench".into(),
    };
    let store = engine
        .create_store(
            NewStore {
                workspace_id: "bench".into(),
                name: format!("round {round}"),
                ..NewStore::default()
            },
            &actor,
        )
        .unwrap();
    let start = Instant::now();
    for i in 0..writes {
        engine
            .put_memory(
                &store.id,
                &format!("/bench/{i}"),
                &content(i),
                Precondition::None,
                &actor,
            )
            .unwrap();
    }
    start.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let writes = args.first().copied().unwrap_or(500);
    let rounds = args.get(1).copied().unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let (mut raw, mut eng) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        raw.push(writes as f64 / raw_sqlite(dir.path(), writes).as_secs_f64());
        eng.push(writes as f64 / engine_writes(dir.path(), round, writes).as_secs_f64());
    }
    let (raw, eng) = (median(raw), median(eng));
    println!(
        "PERF-02 durable versioned writes, one writer ({writes} x {CONTENT_BYTES} B, {rounds} rounds, WAL + synchronous=FULL)"
    );
    println!("  baseline: raw SQLite insert+commit  {raw:>9.0} writes/s");
    println!("  memstore engine put_memory          {eng:>9.0} writes/s");
    println!(
        "  ratio engine/baseline               {:>9.2}   (goal >= 0.70)",
        eng / raw
    );
}
