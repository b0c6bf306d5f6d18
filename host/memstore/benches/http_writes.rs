//! PERF-02, second half: durable versioned writes per second through the
//! HTTP API with 16 concurrent clients (each updating its own memory), with
//! p50/p99 latency, beside raw SQLite doing one insert + commit per write of
//! the same bytes, in the same run, with the same settings (WAL,
//! `synchronous=FULL`). The engine group-commits concurrent writes, so the
//! ratio should be at least 1.0.
//!
//! `cargo bench --bench http_writes`; `MEMSTORE_BENCH_WRITES` sets the
//! writes per client (default 200).

use std::time::{Duration, Instant};

use memstore::store::{Actor, EngineConfig, NewStore, Role};
use serde_json::json;

/// Concurrent HTTP clients.
const CLIENTS: usize = 16;
/// Bytes of each write's content.
const CONTENT_BYTES: usize = 1024;

fn writes_per_client() -> usize {
    std::env::var("MEMSTORE_BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// Distinct content for write `i` of client `c`, so every write is a real
/// new version (MEM-06 would skip an identical one).
fn content(c: usize, i: usize) -> String {
    let head = format!("client {c} write {i}\n");
    let mut s = head.clone();
    s.push_str(&"x".repeat(CONTENT_BYTES - head.len()));
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Writes per second and sorted latencies through the HTTP API.
fn http_run(n: usize) -> (f64, Vec<Duration>) {
    let dir = tempfile::tempdir().unwrap();
    let engine = memstore::open(dir.path().join("bench.db"), EngineConfig::default()).unwrap();
    let (_, secret) = engine
        .create_api_key(vec!["default".into()], Role::Writer, "bench")
        .unwrap();
    let store = engine
        .create_store(
            NewStore {
                workspace_id: "default".into(),
                name: "bench".into(),
                ..NewStore::default()
            },
            &Actor::User {
                user_id: "bench".into(),
            },
        )
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(memstore::api::serve(listener, engine, async move {
            let _ = stopped.await;
        }));
        // Each client creates its memory first (not timed).
        let mut targets = Vec::new();
        for c in 0..CLIENTS {
            let http = reqwest::Client::new();
            let created: serde_json::Value = http
                .post(format!("{url}/v1/memory_stores/{}/memories", store.id))
                .header("x-api-key", &secret)
                .json(&json!({"path": format!("/client-{c}.md"), "content": "start"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mem = created["id"].as_str().unwrap().to_owned();
            targets.push((
                http,
                format!("{url}/v1/memory_stores/{}/memories/{mem}", store.id),
            ));
        }
        let started = Instant::now();
        let tasks: Vec<_> = targets
            .into_iter()
            .enumerate()
            .map(|(c, (http, target))| {
                let secret = secret.clone();
                tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(n);
                    for i in 0..n {
                        let t = Instant::now();
                        let resp = http
                            .post(&target)
                            .header("x-api-key", &secret)
                            .json(&json!({"content": content(c, i)}))
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(resp.status(), 200);
                        resp.bytes().await.unwrap();
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed();
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        all.sort();
        (all.len() as f64 / elapsed.as_secs_f64(), all)
    })
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
    let (http_wps, lat) = http_run(n);
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
