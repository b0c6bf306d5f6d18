//! DUR-05: several `memstore serve` hosts on one PostgreSQL database behave
//! as one system. Each host is a real process of the real binary on its own
//! loopback port; the database is a fresh one of a real server (skipped,
//! saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

mod api_support;
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::postgres::PgDatabase;
use reqwest::Method;
use serde_json::{Value, json};

/// Writers per host in the concurrent tests.
const WRITERS_PER_HOST: usize = 8;

/// A `memstore serve` process; killed when dropped.
struct Host {
    child: Child,
    url: String,
}

impl Host {
    fn start(db: &str, extra: &[&str]) -> Self {
        let mut child = memstore(db)
            .args(extra)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start memstore serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the address line");
        let url = line
            .trim()
            .strip_prefix("memstore listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, url }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn memstore(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memstore"));
    c.args(["--db", db]);
    c
}

/// An admin key of the default workspace, made with the CLI.
fn admin_key(db: &str) -> String {
    let out = memstore(db)
        .args(["--json", "key", "create", "--role", "admin"])
        .output()
        .expect("memstore key create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    key["key"].as_str().expect("the secret").to_owned()
}

/// A client of one host with one key.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Client {
    fn new(host: &Host, key: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: host.url.clone(),
            key: key.to_owned(),
        }
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("x-api-key", &self.key)
            .header("anthropic-version", "2023-06-01")
    }

    async fn call(&self, rb: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn create_store(&self, name: &str) -> String {
        let (status, body) = self
            .call(
                self.req(Method::POST, "/v1/memory_stores")
                    .json(&json!({ "name": name })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    async fn create_memory(&self, store: &str, path: &str, content: &str) -> (u16, Value) {
        self.call(
            self.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                .json(&json!({ "path": path, "content": content })),
        )
        .await
    }

    async fn store(&self, store: &str) -> Value {
        let (status, body) = self
            .call(self.req(Method::GET, &format!("/v1/memory_stores/{store}")))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Every memory path of a store, page by page.
    async fn memory_paths(&self, store: &str) -> Vec<String> {
        let mut paths = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut path = format!("/v1/memory_stores/{store}/memories?limit=100");
            if let Some(p) = &page {
                path.push_str(&format!("&page={p}"));
            }
            let (status, body) = self.call(self.req(Method::GET, &path)).await;
            assert_eq!(status, 200, "{body}");
            for m in body["data"].as_array().expect("data") {
                paths.push(m["path"].as_str().expect("path").to_owned());
            }
            match body["next_page"].as_str() {
                Some(next) => page = Some(next.to_owned()),
                None => return paths,
            }
        }
    }

    async fn verify(&self, store: &str) -> Value {
        let (status, body) = self
            .call(self.req(
                Method::GET,
                &format!("/v1/memory_stores/{store}/audit/verify"),
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// A host on PostgreSQL shuts down cleanly on SIGTERM, after serving: its
/// engine, dropped on the server's async threads, closes its connections
/// without blocking them (the blocking driver would abort the process).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn dur_04_serve_on_postgres_stops_cleanly_on_sigterm() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let key = admin_key(&pg.url);
    let mut host = Host::start(&pg.url, &[]);
    let client = Client::new(&host, &key);
    let store = client.create_store("brief").await;
    let (status, body) = client.create_memory(&store, "/a.md", "a").await;
    assert_eq!(status, 200, "{body}");
    let term = Command::new("kill")
        .args(["-TERM", &host.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let exit = tokio::task::block_in_place(|| host.child.wait()).expect("wait");
    assert!(exit.success(), "serve exits 0 after SIGTERM: {exit:?}");
}

/// Two hosts on one fresh database, and a client of each.
fn two_hosts(extra: &[&str]) -> Option<(PgDatabase, [Host; 2], [Client; 2])> {
    let pg = PgDatabase::create()?;
    let key = admin_key(&pg.url);
    let hosts = [Host::start(&pg.url, extra), Host::start(&pg.url, extra)];
    let clients = [Client::new(&hosts[0], &key), Client::new(&hosts[1], &key)];
    Some((pg, hosts, clients))
}

/// Sixteen writers, half on each host, write one store at once: every write
/// lands, the store counts exactly what it holds, and its audit chain is one
/// linear chain that verifies on either host.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_two_hosts_writing_one_store_keep_one_chain_and_every_write() {
    let Some((_pg, _hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("shared").await;
    const EACH: usize = 10;
    let mut tasks = Vec::new();
    for w in 0..2 * WRITERS_PER_HOST {
        let (client, store) = (clients[w % 2].clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..EACH {
                let (status, body) = client
                    .create_memory(&store, &format!("/w{w}/m{i}.md"), &format!("{w}.{i}"))
                    .await;
                assert_eq!(status, 200, "writer {w}, memory {i}: {body}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let writes = 2 * WRITERS_PER_HOST * EACH;
    for client in &clients {
        let report = client.verify(&store).await;
        assert_eq!(report["ok"], true, "{report}");
        assert_eq!(report["versions_checked"], writes, "{report}");
    }
    // Each host reads every host's writes.
    for client in &clients {
        assert_eq!(client.memory_paths(&store).await.len(), writes);
    }
}

/// Both hosts race to create the same path: exactly one creation wins, every
/// other is a conflict, and the store holds one memory.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_a_path_created_on_two_hosts_at_once_is_created_once() {
    let Some((_pg, _hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("race").await;
    let mut tasks = Vec::new();
    for w in 0..2 * WRITERS_PER_HOST {
        let (client, store) = (clients[w % 2].clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            client
                .create_memory(&store, "/the-one.md", &format!("writer {w}"))
                .await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("writer").0);
    }
    statuses.sort_unstable();
    let created = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(created, 1, "statuses: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "the losers conflict: {statuses:?}"
    );
    let report = clients[1].verify(&store).await;
    assert_eq!(report["versions_checked"], 1, "{report}");
}

/// A store's capacity (MEM-09) is one count across hosts: thirty creations
/// spread over both hosts fill a ten-memory store exactly.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_capacity_is_counted_exactly_across_hosts() {
    let Some((_pg, _hosts, clients)) = two_hosts(&["--max-memories", "10"]) else {
        return;
    };
    let store = clients[0].create_store("small").await;
    let mut tasks = Vec::new();
    for w in 0..30 {
        let (client, store) = (clients[w % 2].clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            client
                .create_memory(&store, &format!("/m{w}.md"), "x")
                .await
                .0
        }));
    }
    let mut created = 0;
    for t in tasks {
        if t.await.expect("writer") == 200 {
            created += 1;
        }
    }
    assert_eq!(created, 10);
    let report = clients[0].verify(&store).await;
    assert_eq!(report["versions_checked"], 10, "{report}");
    assert_eq!(clients[1].memory_paths(&store).await.len(), 10);
    // The store itself is the same on both hosts.
    assert_eq!(
        clients[0].store(&store).await,
        clients[1].store(&store).await
    );
}

/// An event stream open on one host carries what the other host commits.
/// The PostgreSQL backend hears every writer, so the stream does not poll
/// at all: the event can only have arrived by being pushed.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_a_stream_on_one_host_carries_the_other_host_s_events() {
    let Some((_pg, _hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("watched").await;
    let resp = clients[0]
        .req(Method::GET, &format!("/v1/memory_stores/{store}/events"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), 200);
    // The store's creation, then the two writes.
    let reader = tokio::spawn(api_support::read_sse(resp, 3));
    // Give the stream its first (empty) look before the writes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, body) = clients[1].create_memory(&store, "/from-b.md", "b").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = clients[1].create_memory(&store, "/from-b-2.md", "b").await;
    assert_eq!(status, 200, "{body}");
    let events = reader.await.expect("reader");
    let created: Vec<_> = events
        .iter()
        .filter(|(_, ty, _)| ty == "memory.created")
        .map(|(_, _, data)| data["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(created, ["/from-b.md", "/from-b-2.md"], "{events:?}");
}

/// Sandboxed tool calls on two hosts work on one store (DUR-05, TOOL-02): a
/// file written through a session on one host is read through a session on
/// the other, and two sessions on different hosts editing one file at once,
/// in different places, both land (FS-08's merge decided against the head
/// the other host committed).
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_tool_calls_on_two_hosts_share_one_store() {
    let Some((_pg, _hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("notes").await;
    let mut sessions = Vec::new();
    for client in &clients {
        let (status, body) = client
            .call(client.req(Method::POST, "/v1/sessions").json(&json!({
                "resources": [{"type": "memory_store", "memory_store_id": store, "access": "read_write"}]
            })))
            .await;
        assert_eq!(status, 200, "{body}");
        sessions.push(body["id"].as_str().expect("id").to_owned());
    }
    let file = "/mnt/memory/notes/plan.md";
    let lines: Vec<String> = (1..=9).map(|i| format!("line {i}\n")).collect();
    let (status, out) = tool(
        &clients[0],
        &sessions[0],
        "write",
        json!({"file_path": file, "content": lines.concat()}),
    )
    .await;
    assert_eq!((status, &out["is_error"]), (200, &json!(false)), "{out}");

    let (_, read) = tool(
        &clients[1],
        &sessions[1],
        "read",
        json!({"file_path": file}),
    )
    .await;
    assert!(
        read["content"].to_string().contains("line 9"),
        "host B reads what host A wrote: {read}"
    );

    // One edit per host at once, far apart in the file.
    let edits = [("line 1\n", "first, by A\n"), ("line 9\n", "last, by B\n")];
    let mut tasks = Vec::new();
    for (h, (old, new)) in edits.into_iter().enumerate() {
        let (client, session) = (clients[h].clone(), sessions[h].clone());
        tasks.push(tokio::spawn(async move {
            tool(
                &client,
                &session,
                "edit",
                json!({"file_path": file, "old_string": old, "new_string": new}),
            )
            .await
        }));
    }
    for t in tasks {
        let (status, out) = t.await.expect("edit");
        assert_eq!((status, &out["is_error"]), (200, &json!(false)), "{out}");
    }
    let (status, page) = clients[0]
        .call(clients[0].req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories?path_prefix=/"),
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    let memory = page["data"][0]["id"]
        .as_str()
        .expect("the memory")
        .to_owned();
    let (status, memory) = clients[0]
        .call(clients[0].req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories/{memory}"),
        ))
        .await;
    assert_eq!(status, 200, "{memory}");
    let content = memory["content"].as_str().unwrap_or_default().to_owned();
    assert!(
        content.starts_with("first, by A\n") && content.ends_with("last, by B\n"),
        "both edits landed: {content:?}"
    );
    let report = clients[1].verify(&store).await;
    assert_eq!(
        (&report["ok"], &report["versions_checked"]),
        (&json!(true), &json!(3)),
        "{report}"
    );
}

async fn tool(client: &Client, session: &str, name: &str, input: Value) -> (u16, Value) {
    client
        .call(
            client
                .req(Method::POST, &format!("/v1/sessions/{session}/tool_calls"))
                .json(&json!({ "name": name, "input": input })),
        )
        .await
}

/// Sixteen clients split over both hosts each append lines to one memory by
/// read-modify-write with a content precondition, retrying on conflict: no
/// update is lost (MEM-05 across hosts). Each line is the writer's own, so
/// no write is ever a no-op that would succeed whatever its precondition.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_read_modify_write_with_preconditions_on_two_hosts_loses_no_update() {
    let Some((_pg, _hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("journal").await;
    let (status, created) = clients[0].create_memory(&store, "/journal.md", "").await;
    assert_eq!(status, 200, "{created}");
    let memory = created["id"].as_str().expect("id").to_owned();
    const EACH: usize = 5;
    let mut tasks = Vec::new();
    for w in 0..2 * WRITERS_PER_HOST {
        let (client, store, memory) = (clients[w % 2].clone(), store.clone(), memory.clone());
        tasks.push(tokio::spawn(async move {
            let path = format!("/v1/memory_stores/{store}/memories/{memory}");
            let mut conflicts = 0;
            for i in 0..EACH {
                loop {
                    let (status, m) = client.call(client.req(Method::GET, &path)).await;
                    assert_eq!(status, 200, "{m}");
                    let content = format!("{}w{w}-{i}\n", m["content"].as_str().expect("content"));
                    let (status, body) = client
                        .call(client.req(Method::POST, &path).json(&json!({
                            "content": content,
                            "precondition": {"type": "content_sha256", "content_sha256": m["content_sha256"]},
                        })))
                        .await;
                    match status {
                        200 => break,
                        409 => conflicts += 1,
                        _ => panic!("writer {w}: {status} {body}"),
                    }
                }
            }
            conflicts
        }));
    }
    let mut conflicts = 0;
    for t in tasks {
        conflicts += t.await.expect("writer");
    }
    let (_, m) = clients[1]
        .call(clients[1].req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories/{memory}"),
        ))
        .await;
    let lines: std::collections::BTreeSet<&str> =
        m["content"].as_str().expect("content").lines().collect();
    let total = 2 * WRITERS_PER_HOST * EACH;
    assert_eq!(lines.len(), total, "after {conflicts} conflicts: {m}");
    let report = clients[0].verify(&store).await;
    assert_eq!(report["versions_checked"], total + 1, "{report}");
}

/// One host is killed (SIGKILL: no shutdown, no flush) while both write:
/// every write either host acknowledged is there, the other host keeps
/// serving, and the chain verifies.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_a_host_killed_during_writes_loses_no_acknowledged_write() {
    let Some((_pg, mut hosts, clients)) = two_hosts(&[]) else {
        return;
    };
    let store = clients[0].create_store("survivor").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..2 * WRITERS_PER_HOST {
        let (client, store, stop) = (clients[w % 2].clone(), store.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let path = format!("/w{w}/{i}.md");
                let sent = client
                    .req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                    .json(&json!({ "path": path, "content": "x" }))
                    .send()
                    .await;
                match sent {
                    Ok(resp) if resp.status() == 200 => acknowledged.push(path),
                    // The killed host: refused or cut off.
                    _ if w % 2 == 0 => break,
                    Ok(resp) => panic!("the surviving host failed: {}", resp.status()),
                    Err(e) => panic!("the surviving host failed: {e}"),
                }
                i += 1;
            }
            acknowledged
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let _ = hosts[0].child.kill();
    let _ = hosts[0].child.wait();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.expect("writer"));
    }
    let stored: std::collections::BTreeSet<String> =
        clients[1].memory_paths(&store).await.into_iter().collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|p| !stored.contains(*p))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(
        acknowledged.iter().any(|p| p.starts_with("/w0/")),
        "host A wrote before it died"
    );
    let report = clients[1].verify(&store).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["versions_checked"], stored.len(), "{report}");
    // The survivor still serves writes.
    let (status, body) = clients[1].create_memory(&store, "/after.md", "y").await;
    assert_eq!(status, 200, "{body}");
}

/// PostgreSQL restarted (fast: every connection dropped) under load:
/// requests in flight fail cleanly with an error, the host reconnects by
/// itself, nothing acknowledged is lost, and writes work again. A cluster
/// of its own, since a restart would disturb the other tests' server.
#[tokio::test(flavor = "multi_thread")]
async fn dur_05_postgres_restarted_under_load_loses_nothing_and_the_host_recovers() {
    if common::postgres::admin_url().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cluster = dir.path().join("pg");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/postgres-cluster.sh"
    );
    let run = |args: &[&str]| {
        let out = Command::new("bash")
            .arg(script)
            .args(args)
            .arg(&cluster)
            .output()
            .expect("postgres-cluster.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let url = run(&["createdb", "memstore_restart"]);
    struct Stop<'a>(&'a dyn Fn(&[&str]) -> String);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            (self.0)(&["stop"]);
        }
    }
    let _stop = Stop(&run);
    let key = admin_key(&url);
    let host = Host::start(&url, &[]);
    let client = Client::new(&host, &key);
    let store = client.create_store("restarted").await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..WRITERS_PER_HOST {
        let (client, store, stop) = (client.clone(), store.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let (mut acknowledged, mut failed) = (Vec::new(), 0);
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let path = format!("/w{w}/{i}.md");
                let (status, body) = client.create_memory(&store, &path, "x").await;
                match status {
                    200 => acknowledged.push(path),
                    // Failed cleanly: an API error with a message.
                    500 | 503 => {
                        assert!(body["error"]["message"].is_string(), "{body}");
                        failed += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    _ => panic!("writer {w}: {status} {body}"),
                }
                i += 1;
            }
            (acknowledged, failed)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    tokio::task::block_in_place(|| run(&["restart"]));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut acknowledged, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (a, f) = t.await.expect("writer");
        acknowledged.extend(a);
        failed += f;
    }
    eprintln!(
        "{} acknowledged, {failed} failed during the restart",
        acknowledged.len()
    );
    // Writes work again, on connections the host made anew.
    let (status, body) = client.create_memory(&store, "/after.md", "y").await;
    assert_eq!(status, 200, "{body}");
    let stored: std::collections::BTreeSet<String> =
        client.memory_paths(&store).await.into_iter().collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|p| !stored.contains(*p))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let report = client.verify(&store).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["versions_checked"], stored.len(), "{report}");
}
