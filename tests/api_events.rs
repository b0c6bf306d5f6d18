//! Events over HTTP (VER-08): the JSON page form and Server-Sent Events
//! with `Last-Event-ID` resume.

mod api_support;

use api_support::{TestServer, error_type, read_sse};
use reqwest::Method;
use serde_json::json;

fn sse(s: &TestServer, path: &str) -> reqwest::RequestBuilder {
    s.req(Method::GET, path)
        .header("accept", "text/event-stream")
}

#[tokio::test(flavor = "multi_thread")]
async fn ver_08_events_page_lists_changes_in_order() {
    let s = TestServer::start().await;
    let store = s.store("events").await;
    let m = s.memory(&store, "/a.md", "x").await;
    let mem = m["id"].as_str().unwrap();
    s.call(
        s.req(
            Method::POST,
            &format!("/v1/memory_stores/{store}/memories/{mem}"),
        )
        .json(&json!({"content": "y"})),
    )
    .await;
    s.call(s.req(
        Method::DELETE,
        &format!("/v1/memory_stores/{store}/memories/{mem}"),
    ))
    .await;
    let path = format!("/v1/memory_stores/{store}/events");
    let (status, page) = s.call(s.req(Method::GET, &path)).await;
    assert_eq!(status, 200, "{page}");
    let types: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "memory_store.created",
            "memory.created",
            "memory.modified",
            "memory.deleted"
        ]
    );
    assert_eq!(page["data"][1]["actor"]["type"], "api_actor");
    assert_eq!(page["data"][1]["actor"]["api_key_id"], s.admin.id.as_str());
    assert_eq!(page["data"][1]["memory_id"], mem);

    let (_, first) = s.call(s.req(Method::GET, &format!("{path}?limit=2"))).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_page"].as_str().expect("a next page").to_owned();
    let (_, second) = s
        .call(s.req(Method::GET, &format!("{path}?limit=2&page={cursor}")))
        .await;
    assert_eq!(second["data"][0]["type"], "memory.modified");

    let (status, body) = s
        .call(s.req(Method::GET, "/v1/memory_stores/memstore_nope/events"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(error_type(&body), "not_found_error");
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ver_08_sse_resumes_after_last_event_id() {
    let s = TestServer::start().await;
    let store = s.store("stream").await;
    s.memory(&store, "/a.md", "x").await;
    let path = format!("/v1/memory_stores/{store}/events");

    let resp = sse(&s, &path).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let seen = read_sse(resp, 2).await;
    assert_eq!(seen[0].1, "memory_store.created");
    assert_eq!(seen[1].1, "memory.created");
    let last = seen[1].0;

    // Live: an event written after subscribing arrives on the stream.
    let live = sse(&s, &path)
        .header("last-event-id", last.to_string())
        .send()
        .await
        .unwrap();
    s.memory(&store, "/b.md", "y").await;
    let got = read_sse(live, 1).await;
    assert_eq!(got[0].1, "memory.created");
    assert_eq!(got[0].2["path"], "/b.md");
    assert!(got[0].0 > last);

    // Resume: only what came after the given id.
    s.memory(&store, "/c.md", "z").await;
    let resumed = sse(&s, &path)
        .header("last-event-id", got[0].0.to_string())
        .send()
        .await
        .unwrap();
    let rest = read_sse(resumed, 1).await;
    assert_eq!(rest[0].2["path"], "/c.md");

    let bad = sse(&s, &path)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn ver_08_open_streams_do_not_block_shutdown() {
    let s = TestServer::start().await;
    let store = s.store("shutdown").await;
    let resp = sse(&s, &format!("/v1/memory_stores/{store}/events"))
        .send()
        .await
        .unwrap();
    let _ = read_sse(resp, 1).await;
    s.stop().await.expect("server stops with a stream open");
}
