//! HTTP API tests against a real server on a loopback port: error shapes
//! and request ids (API-02), authentication, roles and workspaces (SEC-01,
//! STORE-05), OpenAPI (API-05), memstore-only endpoints and graceful
//! shutdown. The SDK-level conformance suite is in `tests/conformance/`.

mod api_support;

use api_support::{TestServer, error_type, json};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn api_02_error_body_shape() {
    let s = TestServer::start().await;
    let (status, body) = s
        .call(s.req(Method::GET, "/v1/memory_stores/memstore_nope"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(error_type(&body), "not_found_error");

    let store = s.store("conflicts").await;
    let a = s.memory(&store, "/a/b.md", "x").await;
    let (status, body) = s
        .call(
            s.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                .json(&json!({"path": "/a", "content": "y"})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(error_type(&body), "memory_path_conflict_error");
    assert_eq!(body["error"]["conflicting_memory_id"], a["id"]);
    assert_eq!(body["error"]["conflicting_path"], "/a/b.md");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn api_02_request_id_on_every_response() {
    let s = TestServer::start().await;
    let responses = [
        s.req(Method::GET, "/v1/memory_stores")
            .send()
            .await
            .unwrap(),
        s.req(Method::GET, "/v1/nowhere").send().await.unwrap(),
        s.http
            .get(format!("{}/v1/memory_stores", s.url))
            .send()
            .await
            .unwrap(),
        s.http
            .get(format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap(),
    ];
    let mut ids = Vec::new();
    for r in responses {
        let id = r.headers()["request-id"].to_str().unwrap().to_owned();
        assert!(id.starts_with("req_"), "{id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "request ids are unique");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_requests_without_a_valid_key_are_401() {
    let s = TestServer::start().await;
    let url = format!("{}/v1/memory_stores", s.url);
    for rb in [
        s.http.get(&url),
        s.http.get(&url).header("x-api-key", "msk-wrong"),
        s.http.get(&url).header("authorization", "Basic abc"),
        s.http.get(&url).header("authorization", "Bearer msk-wrong"),
    ] {
        let (status, body) = s.call(rb).await;
        assert_eq!(status, 401);
        assert_eq!(error_type(&body), "authentication_error");
    }
    let (status, _) = s
        .call(
            s.http
                .get(&url)
                .header("authorization", format!("Bearer {}", s.admin.secret)),
        )
        .await;
    assert_eq!(status, 200, "Authorization: Bearer is accepted");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_revoked_key_is_rejected() {
    let s = TestServer::start().await;
    let (status, _) = s.call(s.req(Method::GET, "/v1/memory_stores")).await;
    assert_eq!(status, 200);
    s.engine.revoke_api_key(&s.admin.id).unwrap();
    let (status, body) = s.call(s.req(Method::GET, "/v1/memory_stores")).await;
    assert_eq!(status, 401);
    assert_eq!(error_type(&body), "authentication_error");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_only_hashes_of_keys_are_stored() {
    let s = TestServer::start().await;
    let keys = s.engine.list_api_keys().unwrap();
    assert_eq!(keys.len(), 3);
    let listed = serde_json::to_string(&keys).unwrap();
    assert!(!listed.contains(&s.admin.secret));
    s.engine.checkpoint().unwrap();
    let file = std::fs::read(s.engine_path()).unwrap();
    let needle = s.admin.secret.as_bytes();
    assert!(!file.windows(needle.len()).any(|w| w == needle));
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_reader_key_cannot_mutate() {
    let s = TestServer::start().await;
    let store = s.store("readable").await;
    let m = s.memory(&store, "/a.md", "x").await;
    let mem = m["id"].as_str().unwrap();
    let ver = m["memory_version_id"].as_str().unwrap();
    let body = json!({"name": "x"});
    let mutations = [
        (Method::POST, "/v1/memory_stores".to_owned()),
        (Method::POST, format!("/v1/memory_stores/{store}")),
        (Method::POST, format!("/v1/memory_stores/{store}/archive")),
        (Method::DELETE, format!("/v1/memory_stores/{store}")),
        (Method::POST, format!("/v1/memory_stores/{store}/memories")),
        (
            Method::POST,
            format!("/v1/memory_stores/{store}/memories/{mem}"),
        ),
        (
            Method::DELETE,
            format!("/v1/memory_stores/{store}/memories/{mem}"),
        ),
        (
            Method::POST,
            format!("/v1/memory_stores/{store}/memory_versions/{ver}/redact"),
        ),
        (
            Method::POST,
            format!("/v1/memory_stores/{store}/memory_versions/{ver}/rollback"),
        ),
    ];
    for (method, path) in mutations {
        let (status, resp) = s
            .call(s.req_as(&s.reader, method.clone(), &path).json(&body))
            .await;
        assert_eq!(status, 403, "{method} {path}: {resp}");
        assert_eq!(error_type(&resp), "permission_error");
    }
    let (status, got) = s
        .call(s.req_as(
            &s.reader,
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories/{mem}"),
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["content"], "x");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn store_05_another_workspace_gets_404_not_403() {
    let s = TestServer::start().await;
    let store = s.store("private").await;
    let m = s.memory(&store, "/a.md", "x").await;
    let mem = m["id"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, format!("/v1/memory_stores/{store}")),
        (Method::DELETE, format!("/v1/memory_stores/{store}")),
        (Method::GET, format!("/v1/memory_stores/{store}/memories")),
        (
            Method::GET,
            format!("/v1/memory_stores/{store}/memories/{mem}"),
        ),
        (
            Method::GET,
            format!("/v1/memory_stores/{store}/memory_versions"),
        ),
        (Method::GET, format!("/v1/memory_stores/{store}/events")),
        (
            Method::GET,
            format!("/v1/memory_stores/{store}/audit/verify"),
        ),
    ] {
        let (status, body) = s.call(s.req_as(&s.other, method.clone(), &path)).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(error_type(&body), "not_found_error");
    }
    let (_, list) = s
        .call(s.req_as(&s.other, Method::GET, "/v1/memory_stores"))
        .await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = s
        .call(s.req(Method::GET, &format!("/v1/memory_stores/{store}")))
        .await;
    assert_eq!(status, 200, "the owner still sees it");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn api_05_openapi_document_describes_the_endpoints() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .get(format!("{}/v1/openapi.json", s.url))
        .send()
        .await
        .unwrap();
    let (status, doc) = json(resp).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/memory_stores",
        "/v1/memory_stores/{memory_store_id}",
        "/v1/memory_stores/{memory_store_id}/archive",
        "/v1/memory_stores/{memory_store_id}/memories",
        "/v1/memory_stores/{memory_store_id}/memories/{memory_id}",
        "/v1/memory_stores/{memory_store_id}/memory_versions",
        "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}",
        "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/redact",
        "/v1/memory_stores/{memory_store_id}/events",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    let resp = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ver_07_audit_verify_and_ver_05_rollback_endpoints() {
    let s = TestServer::start().await;
    let store = s.store("history").await;
    let m = s.memory(&store, "/a.md", "one").await;
    let mem = m["id"].as_str().unwrap();
    let first = m["memory_version_id"].as_str().unwrap();
    let (status, _) = s
        .call(
            s.req(
                Method::POST,
                &format!("/v1/memory_stores/{store}/memories/{mem}"),
            )
            .json(&json!({"content": "two"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, rolled) = s
        .call(s.req(
            Method::POST,
            &format!("/v1/memory_stores/{store}/memory_versions/{first}/rollback?view=full"),
        ))
        .await;
    assert_eq!(status, 200, "{rolled}");
    assert_eq!(rolled["content"], "one");
    assert_eq!(rolled["id"], mem);
    let (status, report) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/audit/verify"),
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], true);
    assert_eq!(report["versions_checked"], 3);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn api_graceful_shutdown_returns_after_in_flight_requests() {
    let s = TestServer::start().await;
    let store = s.store("bye").await;
    s.memory(&store, "/a.md", "x").await;
    let engine = s.engine.clone();
    s.stop().await.expect("server ends cleanly");
    let listed = engine
        .list_memories(&store, &memstore::store::MemoryQuery::default())
        .unwrap();
    assert_eq!(listed.data.len(), 1, "the acknowledged write is durable");
}

#[tokio::test(flavor = "multi_thread")]
async fn dur_01_writes_acknowledged_around_shutdown_are_durable() {
    let s = TestServer::start().await;
    let store = s.store("racing").await;
    let writes: Vec<_> = (0..16)
        .map(|i| {
            s.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                .json(&json!({"path": format!("/m{i}.md"), "content": format!("{i}")}))
                .send()
        })
        .collect();
    let sent = tokio::spawn(futures_util::future::join_all(writes));
    let engine = s.engine.clone();
    s.stop().await.expect("server stops cleanly");
    let acknowledged: Vec<String> = {
        let mut ok = Vec::new();
        for r in sent.await.unwrap().into_iter().flatten() {
            if r.status() == 200 {
                let body: serde_json::Value = r.json().await.unwrap();
                ok.push(body["path"].as_str().unwrap().to_owned());
            }
        }
        ok
    };
    let stored = engine
        .list_memories(&store, &memstore::store::MemoryQuery::default())
        .unwrap();
    let stored: Vec<&str> = stored.data.iter().map(|m| m.path()).collect();
    for path in &acknowledged {
        assert!(
            stored.contains(&path.as_str()),
            "{path} was acknowledged but is missing"
        );
    }
}
