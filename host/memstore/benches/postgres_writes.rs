//! PERF-08: durable versioned writes per second on PostgreSQL through the
//! HTTP API with 16 concurrent clients (each updating its own memory), on
//! one host and on two hosts sharing the database (8 clients each), beside
//! the same load on SQLite and raw PostgreSQL (one insert + commit per write
//! of the same bytes on one connection) in the same run.
//!
//! The two hosts are two servers in this process, each with its own engine,
//! connection pool and writer — to the database they are two hosts.
//!
//! `cargo bench --bench postgres_writes`. The server is the one
//! `MEMSTORE_TEST_POSTGRES_URL` names, or a throw-away cluster started with
//! `tests/postgres-cluster.sh` (Debian's PostgreSQL; installed if missing).
//! `MEMSTORE_BENCH_WRITES` sets the writes per client (default 100).

use std::time::{Duration, Instant};

use memstore::store::{Actor, Engine, EngineConfig, NewStore, Role};
use postgres::{Client, NoTls};
use serde_json::json;

/// Concurrent HTTP clients in every run.
const CLIENTS: usize = 16;
/// Bytes of each write's content.
const CONTENT_BYTES: usize = 1024;

fn writes_per_client() -> usize {
    std::env::var("MEMSTORE_BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

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

/// The server's admin URL: the tests' server, or one started here.
fn admin_url() -> String {
    if let Ok(url) = std::env::var("MEMSTORE_TEST_POSTGRES_URL") {
        return url;
    }
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = std::process::Command::new("bash")
        .arg(format!("{repo}/tests/postgres-cluster.sh"))
        .args(["start", &format!("{repo}/target/bench-postgres")])
        .output()
        .expect("run tests/postgres-cluster.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A fresh database on the server; its URL.
fn fresh_database(admin: &str, name: &str) -> String {
    let mut client = Client::connect(admin, NoTls).unwrap();
    client
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name}"
        ))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// Writes per second and sorted latencies of 16 HTTP clients spread over
/// one server per engine (all engines on one database).
fn http_run(engines: Vec<Engine>, n: usize) -> (f64, Vec<Duration>) {
    let (_, secret) = engines[0]
        .create_api_key(vec!["default".into()], Role::Writer, "bench")
        .unwrap();
    let store = engines[0]
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
        let mut urls = Vec::new();
        let mut servers = Vec::new();
        for engine in engines {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            urls.push(format!("http://{}", listener.local_addr().unwrap()));
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(memstore::api::serve(listener, engine, async move {
                let _ = stopped.await;
            }));
            servers.push((stop, server));
        }
        let mut targets = Vec::new();
        for c in 0..CLIENTS {
            let url = &urls[c % urls.len()];
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
        for (stop, server) in servers {
            let _ = stop.send(());
            server.await.unwrap().unwrap();
        }
        all.sort();
        (all.len() as f64 / elapsed.as_secs_f64(), all)
    })
}

/// Raw PostgreSQL: one insert and one durable commit per write, on one
/// connection, same bytes.
fn raw_postgres_run(url: &str, total: usize) -> f64 {
    let mut client = Client::connect(url, NoTls).unwrap();
    client
        .batch_execute(
            "CREATE TABLE raw_versions (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             path TEXT NOT NULL, content TEXT NOT NULL)",
        )
        .unwrap();
    let insert = client
        .prepare("INSERT INTO raw_versions (path, content) VALUES ($1, $2)")
        .unwrap();
    let started = Instant::now();
    for i in 0..total {
        let c = i % CLIENTS;
        client
            .execute(
                &insert,
                &[&format!("/client-{c}.md"), &content(c, i / CLIENTS)],
            )
            .unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn report(what: &str, (wps, lat): &(f64, Vec<Duration>), baseline: f64) {
    println!(
        "  {what:<34} {wps:>9.1} writes/s   p50 {:>7.2} ms   p99 {:>7.2} ms   {:>5.2}× SQLite",
        percentile(lat, 0.50).as_secs_f64() * 1e3,
        percentile(lat, 0.99).as_secs_f64() * 1e3,
        wps / baseline
    );
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep it quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 3 } else { writes_per_client() };
    let admin = admin_url();

    let dir = tempfile::tempdir().unwrap();
    let sqlite = memstore::open(dir.path().join("bench.db"), EngineConfig::default()).unwrap();
    let on_sqlite = http_run(vec![sqlite], n);

    let one = fresh_database(&admin, "memstore_bench_one");
    let on_one = http_run(
        vec![memstore::open(&one, EngineConfig::default()).unwrap()],
        n,
    );

    let two = fresh_database(&admin, "memstore_bench_two");
    let hosts = (0..2)
        .map(|_| memstore::open(&two, EngineConfig::default()).unwrap())
        .collect();
    let on_two = http_run(hosts, n);

    let raw = fresh_database(&admin, "memstore_bench_raw");
    let raw_wps = raw_postgres_run(&raw, n * CLIENTS);

    println!(
        "PERF-08 durable versioned writes, {CLIENTS} concurrent HTTP clients, {n} writes each, \
         {CONTENT_BYTES}-byte content"
    );
    let base = on_sqlite.0;
    report("SQLite, one host (baseline)", &on_sqlite, base);
    report("PostgreSQL, one host", &on_one, base);
    report("PostgreSQL, two hosts (8 clients each)", &on_two, base);
    println!(
        "  raw PostgreSQL (1 commit/write, 1 connection): {raw_wps:>9.1} writes/s   \
         memstore on one host = {:.2}×, on two hosts = {:.2}× raw",
        on_one.0 / raw_wps,
        on_two.0 / raw_wps
    );
}
