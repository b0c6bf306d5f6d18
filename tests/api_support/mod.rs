//! Helpers of the HTTP API tests: a real server on 127.0.0.1:0 over a
//! temporary SQLite file, keys of each role, and a small JSON client.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use memstore::api;
use memstore::sandbox::{Sandbox, SandboxConfig};
use memstore::store::{Engine, EngineConfig, Role};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A key's id and secret.
#[derive(Clone, Debug)]
pub struct Key {
    pub id: String,
    pub secret: String,
}

/// A running server and what tests need to talk to it.
pub struct TestServer {
    pub url: String,
    pub engine: Engine,
    pub admin: Key,
    pub reader: Key,
    pub other: Key,
    pub http: reqwest::Client,
    db: std::path::PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    _dir: TempDir,
}

/// One component cache per test process, so the tools component is
/// compiled once however many servers a test binary starts.
fn cache_dir() -> std::path::PathBuf {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("cache dir"))
        .path()
        .to_owned()
}

fn key(engine: &Engine, workspace: &str, role: Role) -> Key {
    let (k, secret) = engine
        .create_api_key(vec![workspace.into()], role, "test")
        .expect("create key");
    Key { id: k.id, secret }
}

impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("memstore.db");
        let engine = memstore::open(&db, EngineConfig::default()).unwrap();
        let admin = key(&engine, "default", Role::Admin);
        let reader = key(&engine, "default", Role::Reader);
        let other = key(&engine, "elsewhere", Role::Admin);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let config = SandboxConfig {
            cache_dir: Some(cache_dir()),
            ..SandboxConfig::default()
        };
        let sandbox = Arc::new(Sandbox::new(engine.clone(), config).expect("sandbox"));
        let handle = tokio::spawn(api::serve_with_sandbox(listener, sandbox, async move {
            let _ = rx.await;
        }));
        Self {
            url,
            engine,
            admin,
            reader,
            other,
            http: reqwest::Client::new(),
            db,
            shutdown: Some(tx),
            handle: Some(handle),
            _dir: dir,
        }
    }

    /// The database file.
    pub fn engine_path(&self) -> &std::path::Path {
        &self.db
    }

    /// A request with the admin key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_as(&self.admin, method, path)
    }

    /// A request with `key`.
    pub fn req_as(&self, key: &Key, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", &key.secret)
            .header("anthropic-version", "2023-06-01")
    }

    /// Sends and returns status and JSON body.
    pub async fn call(&self, rb: RequestBuilder) -> (u16, Value) {
        let resp = rb.send().await.expect("request");
        json(resp).await
    }

    /// Creates a store with the admin key and returns its id.
    pub async fn store(&self, name: &str) -> String {
        let (status, body) = self
            .call(
                self.req(Method::POST, "/v1/memory_stores?beta=true")
                    .json(&serde_json::json!({ "name": name })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a memory and returns its JSON.
    pub async fn memory(&self, store: &str, path: &str, content: &str) -> Value {
        let (status, body) = self
            .call(
                self.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                    .json(&serde_json::json!({ "path": path, "content": content })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Signals shutdown and waits for the server to finish.
    pub async fn stop(mut self) -> std::io::Result<()> {
        let _ = self.shutdown.take().unwrap().send(());
        self.handle.take().unwrap().await.expect("server task")
    }
}

/// Status and JSON body of a response (`Value::Null` for a non-JSON body).
pub async fn json(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts the reference's error body shape and returns the error type.
pub fn error_type(body: &Value) -> &str {
    assert_eq!(body["type"], "error", "not an error body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error without a message: {body}"
    );
    body["error"]["type"].as_str().expect("error.type")
}

/// Reads Server-Sent Events frames of `resp` until `n` events arrived;
/// returns (id, type, data). Fails after a minute rather than hang.
pub async fn read_sse(resp: Response, n: usize) -> Vec<(u64, String, Value)> {
    use futures_util::StreamExt;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut events = Vec::new();
    let read = async {
        while events.len() < n {
            let chunk = stream.next().await.expect("stream open").expect("chunk");
            buf.push_str(std::str::from_utf8(&chunk).unwrap());
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                let (mut id, mut ty, mut data) = (None, None, None);
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<u64>().unwrap());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        ty = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
                    }
                }
                if let (Some(id), Some(ty), Some(data)) = (id, ty, data) {
                    events.push((id, ty, data));
                }
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), read)
        .await
        .expect("events arrive");
    events
}
