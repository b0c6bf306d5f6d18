//! Bad input (SEC-05): every malformed request gets a clear error of the
//! right type and changes nothing.

mod api_support;

use api_support::{TestServer, error_type};
use reqwest::Method;
use serde_json::{Value, json};

/// The store's memories and versions, to prove a refused request changed nothing.
async fn snapshot(s: &TestServer, store: &str) -> (Value, Value) {
    let (_, m) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories?view=full"),
        ))
        .await;
    let (_, v) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memory_versions"),
        ))
        .await;
    (m, v)
}

async fn expect_invalid(s: &TestServer, method: Method, path: &str, body: Vec<u8>) -> Value {
    let (status, resp) = s
        .call(
            s.req(method.clone(), path)
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
    assert_eq!(status, 400, "{method} {path}: {resp}");
    assert_eq!(error_type(&resp), "invalid_request_error", "{resp}");
    resp
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_malformed_json_is_invalid_request() {
    let s = TestServer::start().await;
    let store = s.store("input").await;
    let m = s.memory(&store, "/a.md", "x").await;
    let mem = m["id"].as_str().unwrap().to_owned();
    let before = snapshot(&s, &store).await;
    let create = format!("/v1/memory_stores/{store}/memories");
    let update = format!("/v1/memory_stores/{store}/memories/{mem}");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", b"{\"path\": \"/b.md\", ".to_vec()),
        ("not json", b"path=/b.md".to_vec()),
        ("empty", Vec::new()),
        ("array", b"[1, 2]".to_vec()),
        (
            "trailing garbage",
            b"{\"path\":\"/b.md\",\"content\":\"x\"} x".to_vec(),
        ),
    ];
    for (what, body) in cases {
        let resp = expect_invalid(&s, Method::POST, &create, body).await;
        assert!(
            resp["error"]["message"].as_str().unwrap().contains("JSON")
                || resp["error"]["message"].as_str().unwrap().contains("body"),
            "{what}: {resp}"
        );
    }
    expect_invalid(&s, Method::POST, &update, b"{".to_vec()).await;
    assert_eq!(snapshot(&s, &store).await, before);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_wrong_types_and_missing_fields_are_invalid_request() {
    let s = TestServer::start().await;
    let store = s.store("types").await;
    let before = snapshot(&s, &store).await;
    let create = format!("/v1/memory_stores/{store}/memories");
    for body in [
        json!({"path": 5, "content": "x"}),
        json!({"path": "/a.md", "content": 5}),
        json!({"path": "/a.md"}),
        json!({"content": "x"}),
        json!({"path": "/a.md", "content": null}),
        json!({"path": "/a.md", "content": "x", "unknown": 1}),
    ] {
        let resp = expect_invalid(&s, Method::POST, &create, body.to_string().into_bytes()).await;
        let msg = resp["error"]["message"].as_str().unwrap();
        assert!(!msg.is_empty());
    }
    for body in [
        json!({"name": 1}),
        json!({"name": "x", "metadata": {"k": 1}}),
        json!({"name": "x", "metadata": []}),
    ] {
        expect_invalid(
            &s,
            Method::POST,
            "/v1/memory_stores",
            body.to_string().into_bytes(),
        )
        .await;
    }
    let m = s.memory(&store, "/ok.md", "x").await;
    let update = format!(
        "/v1/memory_stores/{store}/memories/{}",
        m["id"].as_str().unwrap()
    );
    let before_update = snapshot(&s, &store).await;
    for body in [
        json!({"precondition": {"type": "etag", "content_sha256": "x"}}),
        json!({"precondition": "abc"}),
        json!({"content": ["x"]}),
    ] {
        expect_invalid(&s, Method::POST, &update, body.to_string().into_bytes()).await;
    }
    assert_eq!(snapshot(&s, &store).await, before_update);
    assert_ne!(before, before_update);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_invalid_utf8_is_invalid_request() {
    let s = TestServer::start().await;
    let store = s.store("utf8").await;
    let before = snapshot(&s, &store).await;
    let mut body = b"{\"path\": \"/a.md\", \"content\": \"".to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0x80]);
    body.extend_from_slice(b"\"}");
    let resp = expect_invalid(
        &s,
        Method::POST,
        &format!("/v1/memory_stores/{store}/memories"),
        body,
    )
    .await;
    assert!(resp["error"]["message"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(snapshot(&s, &store).await, before);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_oversized_body_is_413_request_too_large() {
    let s = TestServer::start().await;
    let store = s.store("big").await;
    let before = snapshot(&s, &store).await;
    let content = "x".repeat(memstore::api::MAX_BODY_BYTES + 1);
    let (status, resp) = s
        .call(
            s.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                .json(&json!({"path": "/a.md", "content": content})),
        )
        .await;
    assert_eq!(status, 413);
    assert_eq!(error_type(&resp), "request_too_large");
    // Between the content cap and the body limit: the content cap answers 400.
    let content = "x".repeat(102_401);
    let (status, resp) = s
        .call(
            s.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                .json(&json!({"path": "/a.md", "content": content})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_type(&resp), "invalid_request_error");
    assert_eq!(snapshot(&s, &store).await, before);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_bad_query_parameters_are_invalid_request() {
    let s = TestServer::start().await;
    let store = s.store("query").await;
    for q in [
        "limit=abc",
        "limit=0",
        "limit=101",
        "limit=-1",
        "view=everything",
        "depth=-1",
        "page=%%%",
        "path_prefix=/no-trailing-slash",
    ] {
        let (status, resp) = s
            .call(s.req(
                Method::GET,
                &format!("/v1/memory_stores/{store}/memories?{q}"),
            ))
            .await;
        assert_eq!(status, 400, "{q}: {resp}");
        assert_eq!(error_type(&resp), "invalid_request_error");
    }
    for q in ["operation=renamed", "created_at[gte]=yesterday"] {
        let (status, _) = s
            .call(s.req(
                Method::GET,
                &format!("/v1/memory_stores/{store}/memory_versions?{q}"),
            ))
            .await;
        assert_eq!(status, 400, "{q}");
    }
    // `beta=true` and unknown parameters are accepted and ignored.
    let (status, _) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories?beta=true&x=1"),
        ))
        .await;
    assert_eq!(status, 200);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_path_rule_violations_are_invalid_request_and_store_nothing() {
    let s = TestServer::start().await;
    let store = s.store("paths").await;
    let before = snapshot(&s, &store).await;
    let deep = format!("/{}", vec!["d"; 21].join("/"));
    let long = format!("/{}", "x".repeat(1_100));
    for path in [
        "",
        "relative",
        "/a//b",
        "/a/../b",
        "/a/./b",
        "/a\u{0}b",
        "/e\u{301}",
        "/x\u{2029}",
        &deep,
        &long,
    ] {
        let (status, resp) = s
            .call(
                s.req(Method::POST, &format!("/v1/memory_stores/{store}/memories"))
                    .json(&json!({"path": path, "content": "x"})),
            )
            .await;
        assert_eq!(status, 400, "{path:?}: {resp}");
        assert_eq!(error_type(&resp), "invalid_request_error");
    }
    assert_eq!(snapshot(&s, &store).await, before);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_05_unknown_ids_are_not_found() {
    let s = TestServer::start().await;
    let store = s.store("ids").await;
    for (method, path) in [
        (Method::GET, "/v1/memory_stores/memstore_unknown".to_owned()),
        (
            Method::POST,
            "/v1/memory_stores/memstore_unknown/archive".to_owned(),
        ),
        (
            Method::GET,
            format!("/v1/memory_stores/{store}/memories/mem_unknown"),
        ),
        (
            Method::DELETE,
            format!("/v1/memory_stores/{store}/memories/mem_unknown"),
        ),
        (
            Method::GET,
            format!("/v1/memory_stores/{store}/memory_versions/memver_unknown"),
        ),
        (Method::GET, "/v1/memory_stores/%2e%2e/memories".to_owned()),
    ] {
        let (status, resp) = s.call(s.req(method.clone(), &path)).await;
        assert_eq!(status, 404, "{method} {path}: {resp}");
        assert_eq!(error_type(&resp), "not_found_error");
    }
    s.stop().await.unwrap();
}
