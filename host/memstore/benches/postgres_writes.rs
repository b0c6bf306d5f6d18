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

mod support;

use std::time::{Duration, Instant};

use memstore::store::EngineConfig;
use postgres::{Client, NoTls};
use support::{CLIENTS, CONTENT_BYTES, content, http_run, percentile};

fn writes_per_client() -> usize {
    std::env::var("MEMSTORE_BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// The server's admin URL: the tests' server, or one started here.
fn admin_url() -> String {
    if let Ok(url) = std::env::var("MEMSTORE_TEST_POSTGRES_URL") {
        return url;
    }
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = std::process::Command::new("bash")
        .arg(format!("{repo}/tests/postgres-cluster.sh"))
        .arg("start")
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
    // Two statements: a multi-statement batch would be one transaction,
    // which neither may run in.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
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
