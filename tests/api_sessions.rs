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

/// Opens a session on `store` run by agent `agent` (with `extra` fields
/// merged into the body) and returns it.
async fn agent_session(s: &TestServer, store: &str, agent: Value, extra: Value) -> Value {
    let mut body = json!({ "resources": [attach(store, "read_write")], "agent": agent });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let (status, out) = s
        .call(s.req(Method::POST, "/v1/sessions").json(&body))
        .await;
    assert_eq!(status, 200, "{out}");
    out
}

/// Every page of `path` (which has no query yet) with `query` and
/// `limit`, concatenated.
async fn all_pages(s: &TestServer, path: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}{query}");
        if let Some(p) = &page {
            url.push_str(&format!("&page={p}"));
        }
        let (status, body) = s.call(s.req(Method::GET, &url)).await;
        assert_eq!(status, 200, "{url}: {body}");
        let data = body["data"].as_array().unwrap();
        assert!(data.len() <= limit);
        out.extend(data.iter().cloned());
        match body["next_page"].as_str() {
            Some(next) => page = Some(next.to_owned()),
            None => return out,
        }
    }
}

/// Runs a tool call with the admin key and insists it succeeded.
async fn ok_tool(s: &TestServer, session: &Value, name: &str, input: Value) -> Value {
    let (status, out) = tool(s, &s.admin, id(session), name, input).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["is_error"], false, "{name}: {out}");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_session_carries_its_agent() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let agent = json!({"id": "billing", "name": "Billing bot", "metadata": {"team": "finance"}});
    let quiet = agent_session(&s, &store, agent.clone(), json!({})).await;
    assert_eq!(quiet["agent"], agent);
    assert_eq!(
        quiet.get("render_agent_in_prompt"),
        None,
        "false is left off"
    );
    let (status, got) = s
        .call(s.req(Method::GET, &format!("/v1/sessions/{}", id(&quiet))))
        .await;
    assert_eq!(
        (status, &got),
        (200, &quiet),
        "retrieve answers what create did"
    );
    let prompt_of = |sesn: &Value| format!("/v1/sessions/{}/system_prompt", id(sesn));
    let (_, prompt) = s.call(s.req(Method::GET, &prompt_of(&quiet))).await;
    let text = prompt["text"].as_str().unwrap();
    assert!(
        !text.contains("finance") && !text.contains("billing") && !text.contains("Billing"),
        "the agent is not in the prompt unasked: {text}"
    );

    let named = agent_session(
        &s,
        &store,
        agent.clone(),
        json!({"render_agent_in_prompt": true}),
    )
    .await;
    assert_eq!(named["render_agent_in_prompt"], true);
    let (_, prompt) = s.call(s.req(Method::GET, &prompt_of(&named))).await;
    let text = prompt["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "# Memory\n\nYou are the agent Billing bot (agent id: billing).\n\
             Agent metadata:\n- team: finance\n\n"
        ),
        "{text}"
    );
    // Only id is required.
    let bare = agent_session(&s, &store, json!({"id": "support"}), json!({})).await;
    assert_eq!(
        bare["agent"],
        json!({"id": "support", "name": null, "metadata": {}})
    );
    // The list shows the agent too.
    let listed = all_pages(&s, "/v1/sessions", "", 100).await;
    assert_eq!(listed, [bare, named, quiet.clone()], "newest first");
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_versions_and_events_by_agent_through_tools_and_bash() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let billing = json!({"id": "billing"});
    let b1 = agent_session(&s, &store, billing.clone(), json!({})).await;
    let sup = agent_session(&s, &store, json!({"id": "support"}), json!({})).await;
    let b2 = agent_session(&s, &store, billing, json!({})).await;
    let plain = session(&s, json!([attach(&store, "read_write")])).await;
    let file = |p: &str| format!("/mnt/memory/notes/{p}");
    let write = |p: &str, c: &str| json!({"file_path": file(p), "content": c});
    let bash = |c: &str| json!({"command": c});

    ok_tool(&s, &b1, "write", write("a.md", "one\n")).await;
    ok_tool(&s, &sup, "write", write("s.md", "support\n")).await;
    ok_tool(
        &s,
        &b2,
        "bash",
        bash("echo from-bash > notes/b.md && echo more >> notes/b.md"),
    )
    .await;
    let edit = json!({"file_path": file("a.md"), "old_string": "one", "new_string": "two"});
    ok_tool(&s, &b1, "edit", edit).await;
    ok_tool(&s, &plain, "write", write("p.md", "plain\n")).await;
    let create = json!({"command": "create", "path": "/memories/m.md", "file_text": "memo\n"});
    ok_tool(&s, &sup, "memory", create).await;
    s.memory(&store, "/op.md", "from the operator").await;
    ok_tool(
        &s,
        &b2,
        "bash",
        bash("mv notes/b.md notes/c.md; mkdir -p notes/d && cp notes/c.md notes/d/e.md"),
    )
    .await;
    ok_tool(&s, &sup, "bash", bash("rm notes/s.md")).await;
    ok_tool(&s, &b1, "write", write("a.md", "three\n")).await;

    let versions = format!("/v1/memory_stores/{store}/memory_versions");
    let all = all_pages(&s, &versions, "", 100).await;
    let by = |sessions: &[&Value]| -> Vec<Value> {
        all.iter()
            .filter(|v| {
                sessions
                    .iter()
                    .any(|x| v["created_by"]["session_id"] == x["id"])
            })
            .map(|v| v["id"].clone())
            .collect()
    };
    let billing_ids = by(&[&b1, &b2]);
    let support_ids = by(&[&sup]);
    assert!(billing_ids.len() >= 6, "{all:?}");
    assert!(support_ids.len() >= 3, "{all:?}");
    for (agent, expected) in [("billing", &billing_ids), ("support", &support_ids)] {
        for limit in [1, 2, 100] {
            let got = all_pages(&s, &versions, &format!("&agent_id={agent}"), limit).await;
            let ids: Vec<Value> = got.iter().map(|v| v["id"].clone()).collect();
            assert_eq!(&ids, expected, "{agent}, pages of {limit}");
            for v in &got {
                // The reference's actor object, exactly.
                let actor = v["created_by"].as_object().unwrap();
                assert_eq!(actor.len(), 2, "{v}");
                assert_eq!(actor["type"], "session_actor");
            }
        }
    }
    let combined = all_pages(
        &s,
        &versions,
        &format!("&agent_id=billing&session_id={}", id(&b2)),
        100,
    )
    .await;
    assert_eq!(combined.len(), by(&[&b2]).len(), "filters combine with AND");

    // Events: the page form, filtered by agent, oldest first.
    let events = format!("/v1/memory_stores/{store}/events");
    for (agent, sessions, expected) in [
        ("billing", vec![id(&b1), id(&b2)], &billing_ids),
        ("support", vec![id(&sup)], &support_ids),
    ] {
        let got = all_pages(&s, &events, &format!("&agent_id={agent}"), 3).await;
        let ids: Vec<Value> = got.iter().map(|e| e["memory_version_id"].clone()).collect();
        let mut oldest_first = expected.clone();
        oldest_first.reverse();
        assert_eq!(ids, oldest_first, "{agent}");
        for e in &got {
            assert_eq!(e["agent_id"], agent, "{e}");
            assert!(sessions.contains(&e["session_id"].as_str().unwrap()), "{e}");
        }
    }
    // The stream form: the support agent's stream holds exactly its
    // sessions' changes, in order, also those made after it opened.
    let resp = s
        .req(Method::GET, &format!("{events}?agent_id=support"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let later = ok_tool(&s, &b1, "write", write("late-billing.md", "x")).await;
    let late = ok_tool(&s, &sup, "write", write("late-support.md", "x")).await;
    let streamed = api_support::read_sse(resp, support_ids.len() + 1).await;
    let mut expected: Vec<Value> = support_ids.iter().rev().cloned().collect();
    expected.push(late["changes"][0]["version_id"].clone());
    let got: Vec<Value> = streamed
        .iter()
        .map(|(_, _, e)| e["memory_version_id"].clone())
        .collect();
    assert_eq!(got, expected);
    assert!(!got.contains(&later["changes"][0]["version_id"]));
    assert!(streamed.iter().all(|(_, _, e)| e["agent_id"] == "support"));
    // The operator's and the agentless session's events carry no agent_id.
    let every = all_pages(&s, &events, "", 100).await;
    let agentless: Vec<&Value> = every
        .iter()
        .filter(|e| e["session_id"] == id(&plain) || e["actor"]["type"] == "api_actor")
        .collect();
    assert!(agentless.len() >= 3, "{every:?}");
    assert!(agentless.iter().all(|e| e.get("agent_id").is_none()));
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_sessions_list_by_agent_newest_first_paged() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let billing = json!({"id": "billing"});
    let b1 = agent_session(&s, &store, billing.clone(), json!({})).await;
    let sup = agent_session(&s, &store, json!({"id": "support"}), json!({})).await;
    let b2 = agent_session(&s, &store, billing.clone(), json!({})).await;
    let plain = session(&s, json!([attach(&store, "read_write")])).await;
    let b3 = agent_session(&s, &store, billing, json!({})).await;
    let ids = |v: Vec<Value>| -> Vec<String> { v.iter().map(|x| id(x).to_owned()).collect() };
    let want = |v: &[&Value]| -> Vec<String> { v.iter().map(|x| id(x).to_owned()).collect() };
    for limit in [1, 2, 20] {
        let got = ids(all_pages(&s, "/v1/sessions", "&agent_id=billing", limit).await);
        assert_eq!(got, want(&[&b3, &b2, &b1]), "pages of {limit}");
    }
    let got = ids(all_pages(&s, "/v1/sessions", "&agent_id=support", 20).await);
    assert_eq!(got, want(&[&sup]));
    let got = ids(all_pages(&s, "/v1/sessions", "", 2).await);
    assert_eq!(got, want(&[&b3, &plain, &b2, &sup, &b1]));
    assert!(
        all_pages(&s, "/v1/sessions", "&agent_id=nobody", 20)
            .await
            .is_empty()
    );
    // Another workspace sees none of them, even by agent id (SEC-01).
    let (status, page) = s
        .call(s.req_as(&s.other, Method::GET, "/v1/sessions?agent_id=billing"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"], json!([]));
    // A reader may list.
    let (status, _) = s
        .call(s.req_as(&s.reader, Method::GET, "/v1/sessions"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_bad_agent_and_unknown_filters_are_400_naming_the_field() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let many: serde_json::Map<String, Value> =
        (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
    let cases = [
        (json!({"agent": {"id": ""}}), "agent.id"),
        (json!({"agent": {"id": "a".repeat(256)}}), "agent.id"),
        (json!({"agent": {"id": "bell\u{7}"}}), "agent.id"),
        (json!({"agent": {"id": "a", "name": ""}}), "agent.name"),
        (
            json!({"agent": {"id": "a", "metadata": many}}),
            "agent.metadata",
        ),
        (json!({"agent": {"id": 7}}), "invalid type"),
        (json!({"agent": {"name": "no id"}}), "missing field `id`"),
        (
            json!({"agent": {"id": "a", "role": "x"}}),
            "unknown field `role`",
        ),
        (json!({"agent": "billing"}), "invalid type"),
        (
            json!({"render_agent_in_prompt": true}),
            "render_agent_in_prompt",
        ),
    ];
    for (extra, field) in cases {
        let mut body = json!({"resources": [attach(&store, "read_write")]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap());
        let (status, resp) = s
            .call(s.req(Method::POST, "/v1/sessions").json(&body))
            .await;
        assert_eq!(
            (status, error_type(&resp)),
            (400, "invalid_request_error"),
            "{body}"
        );
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    assert!(
        all_pages(&s, "/v1/sessions", "", 20).await.is_empty(),
        "nothing was created"
    );

    let versions = format!("/v1/memory_stores/{store}/memory_versions");
    let events = format!("/v1/memory_stores/{store}/events");
    let long = "a".repeat(256);
    for (url, field) in [
        (format!("{versions}?agent_id="), "agent_id"),
        (format!("{versions}?agent_id={long}"), "agent_id"),
        (format!("{versions}?agent_id=a%0Ab"), "agent_id"),
        (format!("{versions}?agent=billing"), "agent"),
        (format!("{versions}?agentid=billing"), "agentid"),
        (format!("{versions}?agent_id=a&agent_id=b"), "agent_id"),
        (format!("{events}?agent_id="), "agent_id"),
        (format!("{events}?agent=billing"), "agent"),
        ("/v1/sessions?agent_id=".to_owned(), "agent_id"),
        ("/v1/sessions?agent=billing".to_owned(), "agent"),
        ("/v1/sessions?limit=0".to_owned(), "limit"),
    ] {
        let (status, resp) = s.call(s.req(Method::GET, &url)).await;
        assert_eq!(
            (status, error_type(&resp)),
            (400, "invalid_request_error"),
            "{url}"
        );
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{url}: {message}");
    }
    // The stream form refuses a bad agent id before it starts.
    let (status, _) = s
        .call(
            s.req(Method::GET, &format!("{events}?agent_id="))
                .header("accept", "text/event-stream"),
        )
        .await;
    assert_eq!(status, 400);
    // What the SDKs send, and the reference's removed parameters, still pass.
    for url in [
        format!("{versions}?beta=true&order=desc&order_by=created_at&view=basic"),
        format!("{events}?beta=true"),
        "/v1/sessions?beta=true".to_owned(),
    ] {
        let (status, resp) = s.call(s.req(Method::GET, &url)).await;
        assert_eq!(status, 200, "{url}: {resp}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_04_session_without_agent_behaves_as_before() {
    let s = TestServer::start().await;
    let store = s.store("notes").await;
    let sesn = session(&s, json!([attach(&store, "read_write")])).await;
    let mut keys: Vec<&str> = sesn
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "ended_at",
            "id",
            "owner_api_key_id",
            "resources",
            "type"
        ]
    );
    let input = json!({"file_path": "/mnt/memory/notes/a.md", "content": "x\n"});
    let out = ok_tool(&s, &sesn, "write", input).await;
    let vid = out["changes"][0]["version_id"].as_str().unwrap();
    let (_, v) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/memory_stores/{store}/memory_versions/{vid}"),
        ))
        .await;
    assert_eq!(
        v["created_by"],
        json!({"type": "session_actor", "session_id": id(&sesn)})
    );
    let (_, page) = s
        .call(s.req(Method::GET, &format!("/v1/sessions/{}/events", id(&sesn))))
        .await;
    let e = &page["data"][0];
    assert_eq!(e["session_id"], id(&sesn));
    assert!(e.get("agent_id").is_none(), "{e}");
    let (_, prompt) = s
        .call(s.req(
            Method::GET,
            &format!("/v1/sessions/{}/system_prompt", id(&sesn)),
        ))
        .await;
    assert!(
        prompt["text"]
            .as_str()
            .unwrap()
            .starts_with("# Memory\n\nYou have persistent memory")
    );
    let (_, listed) = s.call(s.req(Method::GET, "/v1/sessions")).await;
    assert_eq!(listed["data"], json!([sesn]));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_05_openapi_documents_the_agent_filters() {
    let s = TestServer::start().await;
    let (status, doc) = s.call(s.req(Method::GET, "/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let params = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} has no parameters"))
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let versions = params("/v1/memory_stores/{memory_store_id}/memory_versions", "get");
    assert!(versions.contains(&"agent_id".to_owned()), "{versions:?}");
    assert!(!versions.contains(&"beta".to_owned()), "{versions:?}");
    let events = params("/v1/memory_stores/{memory_store_id}/events", "get");
    assert!(events.contains(&"agent_id".to_owned()), "{events:?}");
    let sessions = params("/v1/sessions", "get");
    assert!(sessions.contains(&"agent_id".to_owned()), "{sessions:?}");
    assert!(doc["paths"]["/v1/sessions"]["post"].is_object());
    assert!(doc["components"]["schemas"]["Agent"].is_object());
    assert!(doc["components"]["schemas"]["AgentParam"].is_object());
}
