//! DUR-06: `memstore migrate --from SRC --to DST` copies a whole database
//! between backends — stores, memories, every version with its id, actor,
//! redaction and chain hashes, sessions, keys, events — and the chain
//! verifies on the destination. Run as the real binary, SQLite file →
//! PostgreSQL → SQLite file, on a real server (skipped, saying so, without
//! `MEMSTORE_TEST_POSTGRES_URL`).

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::postgres::PgDatabase;
use common::{api, session, user};
use memstore::store::sessions::{
    Access, Agent, NewAgent, NewAttachment, NewSession, SessionEvent, SessionQuery,
};
use memstore::store::{
    Engine, EngineConfig, EventQuery, MemoryQuery, NewStore, Precondition, Role, StoreQuery,
    VersionQuery, View,
};
use serde_json::Value;

fn memstore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memstore"))
        .args(args)
        .output()
        .expect("run memstore")
}

fn migrate(from: &str, to: &str) -> Value {
    let out = memstore(&["--json", "migrate", "--from", from, "--to", to]);
    assert!(
        out.status.success(),
        "migrate {from} → {to}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report as JSON")
}

/// A database with a bit of everything: two workspaces, an archived and a
/// deleted store, updates, a rename, a delete, a redaction, pruned
/// versions, a session of an agent with tool-call events, shell state and
/// an empty directory, a revoked key. Returns the secret of a live key.
fn seed(engine: &Engine) -> String {
    let new = |workspace: &str, name: &str| NewStore {
        workspace_id: workspace.into(),
        name: name.into(),
        description: format!("{name} notes"),
        ..NewStore::default()
    };
    let notes = engine
        .create_store(new("default", "notes"), &user())
        .unwrap();
    let other = engine
        .create_store(new("team", "other"), &api("apikey_x"))
        .unwrap();
    let old = engine.create_store(new("default", "old"), &user()).unwrap();
    let gone = engine
        .create_store(new("default", "gone"), &user())
        .unwrap();

    let secret = "token=sk-MIGRATE-ME";
    let first = engine
        .create_memory(&notes.id, "/creds.md", secret, &user())
        .unwrap();
    engine
        .put_memory(
            &notes.id,
            "/creds.md",
            "rotated",
            Precondition::None,
            &user(),
        )
        .unwrap();
    engine
        .redact_version(
            &notes.id,
            &first.change.unwrap().version_id,
            &api("apikey_ops"),
        )
        .unwrap();
    for i in 0..5 {
        engine
            .put_memory(
                &notes.id,
                "/log/ünïcode.md",
                &format!("entry {i}\n"),
                Precondition::None,
                &user(),
            )
            .unwrap();
    }
    engine
        .create_memory(&notes.id, "/tmp/doomed.md", "bye", &user())
        .unwrap();
    let doomed = engine
        .memory_at(&notes.id, "/tmp/doomed.md")
        .unwrap()
        .unwrap();
    engine
        .delete_memory(&notes.id, &doomed.id, None, &user())
        .unwrap();
    engine
        .rename_dir(&notes.id, "/log", "/journal", &user())
        .unwrap();
    engine
        .create_memory(&other.id, "/x.md", "in another workspace", &api("apikey_x"))
        .unwrap();
    engine
        .create_memory(&old.id, "/a.md", "archived", &user())
        .unwrap();
    engine.archive_store(&old.id, &user()).unwrap();
    engine
        .create_memory(&gone.id, "/a.md", "deleted", &user())
        .unwrap();
    engine.delete_store(&gone.id, &user()).unwrap();

    let agent = NewAgent {
        agent: Agent {
            id: "researcher".into(),
            name: Some("Researcher".into()),
            metadata: Default::default(),
        },
        render_in_prompt: true,
    };
    let s = engine
        .create_agent_session(
            NewSession {
                workspace_id: "default".into(),
                owner_api_key_id: None,
                resources: vec![NewAttachment {
                    memory_store_id: notes.id.clone(),
                    access: Access::ReadWrite,
                    instructions: "Keep it short.".into(),
                }],
            },
            Some(agent),
            memstore::vfs::mount_paths,
        )
        .unwrap();
    let by_agent = engine
        .create_memory(&notes.id, "/agent.md", "learned", &session(&s.id))
        .unwrap();
    engine
        .record_tool_calls(vec![SessionEvent::tool_call(
            &s.id,
            "write",
            false,
            vec![by_agent.change.unwrap()],
        )])
        .unwrap();
    engine
        .set_shell_state(&s.id, Some(r#"{"cwd":"/mnt/memory/notes"}"#.into()))
        .unwrap();
    engine
        .set_session_dirs(&s.id, vec![(0, "/empty".into())])
        .unwrap();
    let ended = engine
        .create_session(
            NewSession {
                workspace_id: "default".into(),
                owner_api_key_id: None,
                resources: vec![],
            },
            memstore::vfs::mount_paths,
        )
        .unwrap();
    engine.end_session(&ended.id).unwrap();

    let (revoked, _) = engine
        .create_api_key(vec!["default".into()], Role::Reader, "old")
        .unwrap();
    engine.revoke_api_key(&revoked.id).unwrap();
    let (_, secret) = engine
        .create_api_key(vec!["default".into(), "team".into()], Role::Admin, "ops")
        .unwrap();
    secret
}

/// Everything the engine shows of a database, events without their numbers.
fn snapshot(engine: &Engine) -> Value {
    let mut stores = Vec::new();
    for workspace in ["default", "team"] {
        let q = StoreQuery {
            workspace_id: Some(workspace.into()),
            include_archived: true,
            limit: 100,
            ..StoreQuery::default()
        };
        for store in engine.list_stores(&q).unwrap().data {
            let versions = engine
                .list_versions(
                    &store.id,
                    &VersionQuery {
                        view: View::Full,
                        limit: 100,
                        ..VersionQuery::default()
                    },
                )
                .unwrap()
                .data;
            let memories = engine
                .list_memories(
                    &store.id,
                    &MemoryQuery {
                        limit: 100,
                        ..MemoryQuery::default()
                    },
                )
                .unwrap()
                .data;
            // The agent a version was written for is copied too (issue 14).
            let by_agent: Vec<String> = engine
                .list_versions(
                    &store.id,
                    &VersionQuery {
                        agent_id: Some("researcher".into()),
                        limit: 100,
                        ..VersionQuery::default()
                    },
                )
                .unwrap()
                .data
                .into_iter()
                .map(|v| v.id)
                .collect();
            let report = engine.verify_chain(&store.id).unwrap();
            assert!(report.ok, "{report:?}");
            stores.push(serde_json::json!({
                "store": store,
                "memory_count": engine.memory_count(&store.id).unwrap(),
                "versions": versions,
                "by_agent": by_agent,
                "memories": memories,
                "chain": report,
            }));
        }
    }
    let events: Vec<Value> = engine
        .events(&EventQuery {
            limit: 1000,
            ..EventQuery::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap();
            v.as_object_mut().unwrap().remove("id");
            v
        })
        .collect();
    let mut sessions = Vec::new();
    for page in [engine
        .list_sessions(&SessionQuery {
            workspace_id: "default".into(),
            agent_id: None,
            limit: 100,
            page: None,
        })
        .unwrap()]
    {
        for s in page.data {
            let context = engine.shell_call_context(&s.id).unwrap().unwrap();
            sessions.push(serde_json::json!({
                "session": s,
                "events": engine.session_events(&s.id).unwrap(),
                "dirs": context.0.dirs,
                "shell": context.1,
            }));
        }
    }
    let keys = engine.list_api_keys().unwrap();
    serde_json::json!({ "stores": stores, "events": events, "sessions": sessions, "keys": keys })
}

#[test]
fn dur_06_migrate_copies_everything_sqlite_to_postgres_and_back() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.db");
    let config = EngineConfig {
        retention_age: Duration::ZERO,
        retention_keep_recent: 2,
        ..EngineConfig::default()
    };
    let (before, secret) = {
        let engine = memstore::open(&src, config).unwrap();
        let secret = seed(&engine);
        let pruned = engine.prune(chrono::Utc::now()).unwrap();
        assert!(
            pruned.versions_pruned > 0,
            "some versions are pruned: {pruned:?}"
        );
        (snapshot(&engine), secret)
    };

    let report = migrate(&src.display().to_string(), &pg.url);
    assert_eq!(report["stores"], 3, "{report}");
    assert_eq!(report["sessions"], 2, "{report}");
    assert_eq!(report["api_keys"], 2, "{report}");
    let on_pg = memstore::open(&pg.url, EngineConfig::default()).unwrap();
    assert_eq!(snapshot(&on_pg), before);
    let notes = before["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["store"]["name"] == "notes")
        .unwrap();
    assert_eq!(
        notes["by_agent"].as_array().map(Vec::len),
        Some(1),
        "the agent's one version is in the snapshot: {notes}"
    );
    let key = on_pg.authenticate_api_key(&secret).unwrap();
    assert_eq!(
        key.map(|k| k.name),
        Some("ops".to_owned()),
        "keys still work"
    );
    // The redacted secret was not carried over.
    let mut client = pg.client();
    let found: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM versions t WHERE strpos(t::text, $1) > 0)",
            &[&"sk-MIGRATE-ME"],
        )
        .unwrap()
        .get(0);
    assert!(!found);
    drop(on_pg);

    let back = dir.path().join("back.db");
    migrate(&pg.url, &back.display().to_string());
    let engine = memstore::open(&back, EngineConfig::default()).unwrap();
    assert_eq!(snapshot(&engine), before);
    let out = memstore(&[
        "--db",
        &back.display().to_string(),
        "audit",
        "verify",
        "notes",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dur_06_migrate_refuses_a_destination_that_is_not_empty_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("a.db"), dir.path().join("b.db"));
    for db in [&src, &dst] {
        let engine = memstore::open(db, EngineConfig::default()).unwrap();
        seed(&engine);
    }
    let before = snapshot(&memstore::open(&dst, EngineConfig::default()).unwrap());
    let out = memstore(&[
        "migrate",
        "--from",
        &src.display().to_string(),
        "--to",
        &dst.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(5), "refused as invalid input");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("destination database is not empty"), "{err}");
    let after = snapshot(&memstore::open(&dst, EngineConfig::default()).unwrap());
    assert_eq!(after, before);

    let missing = dir.path().join("missing.db");
    let out = memstore(&[
        "migrate",
        "--from",
        &missing.display().to_string(),
        "--to",
        &dir.path().join("c.db").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!missing.exists(), "a missing source is not created");
}
