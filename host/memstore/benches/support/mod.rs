//! What the write benchmarks share: the content of each write, the HTTP
//! load of 16 concurrent clients, percentiles.

use std::time::{Duration, Instant};

use memstore::store::{Actor, Engine, NewStore, Role};
use serde_json::json;

/// Concurrent HTTP clients in every run.
pub const CLIENTS: usize = 16;
/// Bytes of each write's content.
pub const CONTENT_BYTES: usize = 1024;

/// Distinct content for write `i` of client `c`, so every write is a real
/// new version (MEM-06 would skip an identical one).
pub fn content(c: usize, i: usize) -> String {
    let head = format!("client {c} write {i}\n");
    let mut s = head.clone();
    s.push_str(&"x".repeat(CONTENT_BYTES - head.len()));
    s
}

/// The `p` quantile of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Writes per second and sorted latencies of 16 HTTP clients spread over
/// one server per engine (all engines on one database).
pub fn http_run(engines: Vec<Engine>, n: usize) -> (f64, Vec<Duration>) {
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
