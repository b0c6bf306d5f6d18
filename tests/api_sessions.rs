//! Sessions over HTTP (API-04, SEC-01): creation with mount paths, tool
//! calls that write versions attributed to the session, read-only mounts,
//! ending, the system prompt, the session's events, and workspace/role
//! isolation — all on a real server.

mod api_support;

use api_support::{Key, TestServer, error_type};
use reqwest::Method;
use serde_json::{Value, json};

/// Opens a session over `resources` with `key`; returns status and body.
async fn open(s: &TestServer, key: &Key, resources: Value) -> (u16, Value) {
    s.call(
        s.req_as(key, Method::POST, "/v1/sessions")
            .json(&json!({ "resources": resources })),
    )
    .await
}

/// Opens a session with the admin key and returns it.
async fn session(s: &TestServer, resources: Value) -> Value {
    let (status, body) = open(s, &s.admin, resources).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn attach(store: &str, access: &str) -> Value {
    json!({"type": "memory_store", "memory_store_id": store, "access": access})
}

/// Runs a tool call with `key`; returns status and body.
async fn tool(s: &TestServer, key: &Key, id: &str, name: &str, input: Value) -> (u16, Value) {
    s.call(
        s.req_as(key, Method::POST, &format!("/v1/sessions/{id}/tool_calls"))
            .json(&json!({ "name": name, "input": input })),
    )
    .await
}

fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

/// Paths of the store's live memories.
async fn paths(s: &TestServer, store: &str) -> Vec<String> {
    let (status, page) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories?depth=20"),
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "memory")
        .map(|m| m["path"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_session_create_returns_mount_paths() {
    let s = TestServer::start().await;
    let notes = s.store("User notes").await;
    let twin = s.store("user  NOTES!").await;
    let body = session(
        &s,
        json!([
            {"type": "memory_store", "memory_store_id": notes, "instructions": "facts"},
            attach(&twin, "read_only"),
        ]),
    )
    .await;
    assert_eq!(body["type"], "session");
    assert!(id(&body).starts_with("sesn_"), "{body}");
    assert_eq!(body["owner_api_key_id"], s.admin.id.as_str());
    assert_eq!(body["ended_at"], Value::Null);
    let r = &body["resources"];
    assert_eq!(r[0]["mount_path"], "/mnt/memory/user-notes");
    assert_eq!(r[0]["access"], "read_write", "the default access");
    assert_eq!(r[0]["instructions"], "facts");
    assert_eq!(r[0]["name"], "User notes");
    assert_eq!(r[1]["mount_path"], "/mnt/memory/user-notes-2");
    assert_eq!(r[1]["access"], "read_only");
    let (status, got) = s
        .call(s.req(Method::GET, &format!("/v1/sessions/{}", id(&body))))
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, body, "retrieve answers what create did");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_session_create_refuses_bad_attachments() {
    let s = TestServer::start().await;
    let store = s.store("a").await;
    let (status, _) = s
        .call(s.req(Method::POST, &format!("/v1/memory_stores/{store}/archive")))
        .await;
    assert_eq!(status, 200);
    let (status, body) = open(&s, &s.admin, json!([attach(&store, "read_write")])).await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    let live = s.store("b").await;
    let nine: Vec<Value> = (0..9).map(|_| attach(&live, "read_only")).collect();
    let (status, body) = open(&s, &s.admin, json!(nine)).await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    let (status, body) = open(&s, &s.admin, json!([attach(&live, "write_only")])).await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    let (status, body) = open(&s, &s.admin, json!([attach("memstore_nope", "read_only")])).await;
    assert_eq!((status, error_type(&body)), (404, "not_found_error"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_tool_call_writes_a_version_attributed_to_the_session() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let input = json!({"file_path": "/mnt/memory/notes/a.md", "content": "hello\n"});
    let (status, out) = tool(&s, &s.admin, id(&sesn), "write", input).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["is_error"], false, "{out}");
    let change = &out["changes"][0];
    assert_eq!(change["path"], "/a.md", "{out}");
    assert_eq!(change["operation"], "created");
    let version = change["version_id"].as_str().unwrap();
    let (status, v) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memory_versions/{version}"),
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["created_by"],
        json!({"type": "session_actor", "session_id": id(&sesn)})
    );
    let (_, read) = tool(
        &s,
        &s.admin,
        id(&sesn),
        "read",
        json!({"file_path": "/mnt/memory/notes/a.md"}),
    )
    .await;
    assert!(
        read["content"].as_str().unwrap().contains("hello"),
        "{read}"
    );
    assert_eq!(read["changes"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_read_only_mount_rejects_writes_through_tool_calls() {
    let s = TestServer::start().await;
    let store = s.store("handbook").await;
    s.memory(&store, "/style.md", "plain\n").await;
    let sesn = session(&s, json!([attach(&store, "read_only")])).await;
    let input = json!({"file_path": "/mnt/memory/handbook/new.md", "content": "x"});
    let (status, out) = tool(&s, &s.admin, id(&sesn), "write", input).await;
    assert_eq!(status, 200, "a failing tool is a result: {out}");
    assert_eq!(out["is_error"], true, "{out}");
    assert_eq!(out["changes"], json!([]));
    let edit = json!({"file_path": "/mnt/memory/handbook/style.md",
                      "old_string": "plain", "new_string": "fancy"});
    let (_, out) = tool(&s, &s.admin, id(&sesn), "edit", edit).await;
    assert_eq!(out["is_error"], true, "{out}");
    assert_eq!(paths(&s, &store).await, ["/style.md"]);
    let (_, m) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memories?view=full"),
        ))
        .await;
    assert_eq!(m["data"][0]["content"], "plain\n", "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_other_workspace_cannot_see_or_drive_a_session() {
    let s = TestServer::start().await;
    let store = s.store("mine").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let sid = id(&sesn);
    for (method, path) in [
        (Method::GET, format!("/v1/sessions/{sid}")),
        (Method::GET, format!("/v1/sessions/{sid}/system_prompt")),
        (Method::GET, format!("/v1/sessions/{sid}/events")),
        (Method::POST, format!("/v1/sessions/{sid}/end")),
    ] {
        let (status, body) = s.call(s.req_as(&s.other, method, &path)).await;
        assert_eq!(
            (status, error_type(&body)),
            (404, "not_found_error"),
            "{path}"
        );
    }
    let input = json!({"file_path": "/mnt/memory/mine/x.md", "content": "x"});
    let (status, body) = tool(&s, &s.other, sid, "write", input.clone()).await;
    assert_eq!((status, error_type(&body)), (404, "not_found_error"));
    // The other workspace's key cannot attach this workspace's store either.
    let (status, body) = open(&s, &s.other, json!([attach(&store, "read_only")])).await;
    assert_eq!((status, error_type(&body)), (404, "not_found_error"));
    // Nothing happened: still open, nothing written, still drivable here.
    assert!(paths(&s, &store).await.is_empty());
    let (status, out) = tool(&s, &s.admin, sid, "write", input).await;
    assert_eq!((status, &out["is_error"]), (200, &json!(false)), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_01_reader_key_cannot_call_tools() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let sid = id(&sesn);
    let input = json!({"file_path": "/mnt/memory/notes/r.md", "content": "x"});
    let (status, body) = tool(&s, &s.reader, sid, "write", input).await;
    assert_eq!((status, error_type(&body)), (403, "permission_error"));
    let read = json!({"file_path": "/mnt/memory/notes/r.md"});
    let (status, body) = tool(&s, &s.reader, sid, "read", read).await;
    assert_eq!((status, error_type(&body)), (403, "permission_error"));
    let (status, body) = s
        .call(s.req_as(&s.reader, Method::POST, &format!("/v1/sessions/{sid}/end")))
        .await;
    assert_eq!((status, error_type(&body)), (403, "permission_error"));
    let (status, body) = open(&s, &s.reader, json!([attach(&store, "read_only")])).await;
    assert_eq!((status, error_type(&body)), (403, "permission_error"));
    assert!(paths(&s, &store).await.is_empty());
    // A reader of the workspace may still look at the session.
    let (status, got) = s
        .call(s.req_as(&s.reader, Method::GET, &format!("/v1/sessions/{sid}")))
        .await;
    assert_eq!((status, &got["ended_at"]), (200, &Value::Null), "{got}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_ended_session_refuses_tool_calls() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let sid = id(&sesn);
    let end = format!("/v1/sessions/{sid}/end");
    let (status, first) = s.call(s.req(Method::POST, &end)).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["ended_at"].is_string(), "{first}");
    let (status, again) = s.call(s.req(Method::POST, &end)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["ended_at"], first["ended_at"], "ending is idempotent");
    let input = json!({"file_path": "/mnt/memory/notes/late.md", "content": "x"});
    let (status, body) = tool(&s, &s.admin, sid, "write", input).await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    assert!(paths(&s, &store).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_unknown_tool_and_bad_bodies_are_invalid_requests() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let sid = id(&sesn);
    let (status, body) = tool(&s, &s.admin, sid, "rm_rf", json!({})).await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    let (status, body) = s
        .call(
            s.req(Method::POST, &format!("/v1/sessions/{sid}/tool_calls"))
                .json(&json!({"name": "read", "input": "not an object"})),
        )
        .await;
    assert_eq!((status, error_type(&body)), (400, "invalid_request_error"));
    let (status, body) = s.call(s.req(Method::GET, "/v1/sessions/sesn_nope")).await;
    assert_eq!((status, error_type(&body)), (404, "not_found_error"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_04_system_prompt_is_deterministic() {
    let s = TestServer::start().await;
    let store = s.store("Team handbook").await;
    let resources = json!([{"type": "memory_store", "memory_store_id": store,
        "access": "read_only", "instructions": "Follow the house style."}]);
    let sesn = session(&s, resources).await;
    let path = format!("/v1/sessions/{}/system_prompt", id(&sesn));
    let (status, first) = s.call(s.req(Method::GET, &path)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["type"], "system_prompt");
    let text = first["text"].as_str().unwrap();
    assert!(text.contains("/mnt/memory/team-handbook"), "{text}");
    assert!(text.contains("Follow the house style."), "{text}");
    assert!(
        text.contains("read-only") || text.contains("read_only"),
        "{text}"
    );
    let (_, second) = s.call(s.req_as(&s.reader, Method::GET, &path)).await;
    assert_eq!(first, second);
}

#[tokio::test(flavor = "multi_thread")]
async fn ver_08_session_events_list_its_changes() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let mine = session(&s, json!([attach(&store, "read_write")])).await;
    let theirs = session(&s, json!([attach(&store, "read_write")])).await;
    let write = |p: &str| json!({"file_path": format!("/mnt/memory/notes/{p}"), "content": "a\n"});
    tool(&s, &s.admin, id(&mine), "write", write("a.md")).await;
    tool(&s, &s.admin, id(&theirs), "write", write("b.md")).await;
    let edit = json!({"file_path": "/mnt/memory/notes/a.md", "old_string": "a", "new_string": "b"});
    let (_, out) = tool(&s, &s.admin, id(&mine), "edit", edit).await;
    assert_eq!(out["is_error"], false, "{out}");
    s.memory(&store, "/api.md", "not from a session").await;
    let path = format!("/v1/sessions/{}/events", id(&mine));
    let (status, page) = s.call(s.req(Method::GET, &path)).await;
    assert_eq!(status, 200, "{page}");
    let seen: Vec<(&str, &str)> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["session_id"], id(&mine), "{e}");
            (e["type"].as_str().unwrap(), e["path"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [("memory.created", "/a.md"), ("memory.modified", "/a.md")]
    );
    let (status, page) = s.call(s.req(Method::GET, &format!("{path}?limit=1"))).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert!(page["next_page"].is_string(), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_05_openapi_documents_the_session_endpoints() {
    let s = TestServer::start().await;
    let (status, doc) = s.call(s.req(Method::GET, "/v1/openapi.json")).await;
    assert_eq!(status, 200);
    for path in [
        "/v1/sessions",
        "/v1/sessions/{session_id}",
        "/v1/sessions/{session_id}/end",
        "/v1/sessions/{session_id}/tool_calls",
        "/v1/sessions/{session_id}/system_prompt",
        "/v1/sessions/{session_id}/events",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(doc["components"]["schemas"]["Session"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_tool_call_log_lists_calls_that_wrote() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let sid = id(&sesn);
    for p in ["a.md", "b.md"] {
        let input = json!({"file_path": format!("/mnt/memory/notes/{p}"), "content": "x"});
        let (_, out) = tool(&s, &s.admin, sid, "write", input).await;
        assert_eq!(out["is_error"], false, "{out}");
    }
    let path = format!("/v1/sessions/{sid}/tool_calls");
    let (status, page) = s.call(s.req(Method::GET, &path)).await;
    assert_eq!(status, 200, "{page}");
    // Calls that changed nothing are logged in the background; calls that
    // wrote are logged before they answer, so these two are there now.
    let writes: Vec<&Value> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["tool"] == "write")
        .collect();
    assert_eq!(writes.len(), 2, "{page}");
    assert_eq!(writes[0]["type"], "tool_call");
    assert_eq!(writes[0]["changes"][0]["path"], "/a.md");
    assert_eq!(writes[1]["changes"][0]["path"], "/b.md");
    let (_, first) = s.call(s.req(Method::GET, &format!("{path}?limit=1"))).await;
    let next = first["next_page"].as_str().expect("a next page");
    let (_, second) = s
        .call(s.req(Method::GET, &format!("{path}?limit=1&page={next}")))
        .await;
    assert_eq!(second["data"][0], *writes[1], "{second}");
    let (status, body) = s.call(s.req_as(&s.other, Method::GET, &path)).await;
    assert_eq!((status, error_type(&body)), (404, "not_found_error"));
}
