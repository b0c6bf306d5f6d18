// The backend suite's cases of store_history.rs, included once per backend.

use std::time::Duration;

use crate::common::{TestDb, api, file_contains, session, user, versions, versions_where};
use memstore::store::{
    EngineConfig, ErrorKind, EventQuery, EventType, MemoryUpdate, Operation, Precondition,
    StoreError, VersionQuery, content_sha256,
};
use memstore::vfs::mount_paths;

#[test]
fn ver_01_each_mutation_appends_one_version_and_rename_is_modified() {
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "1").memory;
    db.engine
        .update_memory(
            &s.id,
            &m.id,
            MemoryUpdate {
                content: Some("2".into()),
                ..Default::default()
            },
            &user(),
        )
        .unwrap();
    db.engine
        .update_memory(
            &s.id,
            &m.id,
            MemoryUpdate {
                path: Some("/b".into()),
                ..Default::default()
            },
            &user(),
        )
        .unwrap();
    db.engine
        .delete_memory(&s.id, &m.id, None, &user())
        .unwrap();
    let v = versions(&db, &s.id);
    let ops: Vec<_> = v
        .iter()
        .map(|v| (v.operation, v.path.clone().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [
            (Operation::Deleted, "/b".to_string()),
            (Operation::Modified, "/b".into()),
            (Operation::Modified, "/a".into()),
            (Operation::Created, "/a".into()),
        ]
    );
    assert_eq!(v[0].content, None);
    assert_eq!(v[0].content_sha256, None);
    assert_eq!(v[1].content.as_deref(), Some("2"));
    assert!(
        v.iter()
            .all(|v| v.id.starts_with("memver_") && v.memory_id == m.id)
    );
    let json = serde_json::to_value(&v[1]).unwrap();
    assert_eq!(json["type"], "memory_version");
    assert_eq!(json["created_by"]["type"], "user_actor");
}

#[test]
fn ver_02_ver_03_versions_record_actors_and_filter() {
    let db = test_db!();
    let s = db.store("s");
    let a = db
        .engine
        .create_memory(&s.id, "/a", "1", &api("apikey_A"))
        .unwrap()
        .memory;
    db.engine
        .put_memory(&s.id, "/a", "2", Precondition::None, &session("sesn_S"))
        .unwrap();
    db.engine
        .create_memory(&s.id, "/b", "1", &session("sesn_S"))
        .unwrap();
    db.engine
        .delete_memory(&s.id, &a.id, None, &user())
        .unwrap();

    let by_session = versions_where(
        &db,
        &s.id,
        VersionQuery {
            created_by: vec![session("sesn_S")],
            ..Default::default()
        },
    );
    assert_eq!(by_session.len(), 2);
    let by_key = versions_where(
        &db,
        &s.id,
        VersionQuery {
            created_by: vec![api("apikey_A")],
            ..Default::default()
        },
    );
    assert_eq!(by_key.len(), 1);
    assert_eq!(by_key[0].created_by, api("apikey_A"));
    // Versions outlive their memory's deletion.
    let of_a = versions_where(
        &db,
        &s.id,
        VersionQuery {
            memory_id: Some(a.id.clone()),
            ..Default::default()
        },
    );
    assert_eq!(of_a.len(), 3);
    assert_eq!(of_a[0].operation, Operation::Deleted);
    let created = versions_where(
        &db,
        &s.id,
        VersionQuery {
            operation: Some(Operation::Created),
            ..Default::default()
        },
    );
    assert_eq!(created.len(), 2);
    let since = versions_where(
        &db,
        &s.id,
        VersionQuery {
            created_gte: Some(of_a[0].created_at),
            ..Default::default()
        },
    );
    assert!(since.iter().all(|v| v.created_at >= of_a[0].created_at));
    assert!(since.iter().any(|v| v.id == of_a[0].id));
    let until = versions_where(
        &db,
        &s.id,
        VersionQuery {
            created_lte: Some(of_a[2].created_at),
            ..Default::default()
        },
    );
    assert_eq!(until.last().unwrap().id, of_a[2].id);
}

#[test]
fn ver_03_pagination_is_stable_under_concurrent_inserts() {
    let db = test_db!();
    let s = db.store("s");
    for i in 0..5 {
        db.engine
            .create_memory(&s.id, &format!("/m{i}"), "x", &user())
            .unwrap();
    }
    let first = db
        .engine
        .list_versions(
            &s.id,
            &VersionQuery {
                limit: 2,
                ..Default::default()
            },
        )
        .unwrap();
    // New versions arrive between pages; the next page continues where the
    // first stopped and neither repeats nor skips.
    db.create(&s.id, "/late", "x");
    let mut rest = Vec::new();
    let mut page = first.next_page.clone();
    while let Some(p) = page {
        let next = db
            .engine
            .list_versions(
                &s.id,
                &VersionQuery {
                    limit: 2,
                    page: Some(p),
                    ..Default::default()
                },
            )
            .unwrap();
        rest.extend(next.data);
        page = next.next_page;
    }
    let paths: Vec<_> = first
        .data
        .iter()
        .chain(&rest)
        .map(|v| v.path.clone().unwrap())
        .collect();
    assert_eq!(paths, ["/m4", "/m3", "/m2", "/m1", "/m0"]);
}

#[test]
fn ver_04_redaction_removes_the_bytes_from_the_database_file() {
    let db = test_db!();
    let s = db.store("s");
    let secret = "api-token=sk-REDACT-ME-7d1e0b";
    let m = db.create(&s.id, "/creds/token", secret);
    let v1 = m.change.unwrap().version_id;
    db.engine
        .put_memory(
            &s.id,
            "/creds/token",
            "rotated",
            Precondition::None,
            &user(),
        )
        .unwrap();
    assert!(
        file_contains(&db, secret.as_bytes()),
        "the test must see the secret before redaction"
    );

    let r = db
        .engine
        .redact_version(&s.id, &v1, &api("apikey_ops"))
        .unwrap();
    assert_eq!(
        (r.content, r.content_sha256, r.content_size_bytes, r.path),
        (None, None, None, None)
    );
    assert!(r.redacted_at.is_some());
    assert_eq!(r.redacted_by, Some(api("apikey_ops")));
    assert_eq!(r.created_by, user(), "the rest of the version stays");
    assert_eq!(
        db.engine.version(&s.id, &v1).unwrap().redacted_at,
        r.redacted_at
    );

    assert!(!file_contains(&db, secret.as_bytes()));
    // The plain hash of the secret would let anyone confirm a guess; it is gone too.
    assert!(!file_contains(&db, content_sha256(secret).as_bytes()));
}

#[test]
fn ver_04_head_of_live_memory_cannot_be_redacted() {
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "x");
    let head = m.change.unwrap().version_id;
    let err = db.engine.redact_version(&s.id, &head, &user()).unwrap_err();
    assert!(matches!(err, StoreError::HeadNotRedactable { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    // Once the memory is deleted, its last content is history and can go.
    db.engine
        .delete_memory(&s.id, &m.memory.id, None, &user())
        .unwrap();
    db.engine.redact_version(&s.id, &head, &user()).unwrap();
}

#[test]
fn ver_05_rollback_restores_content_and_revives_deleted_memories() {
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "good");
    let good = m.change.unwrap().version_id;
    db.engine
        .put_memory(&s.id, "/a", "bad", Precondition::None, &session("sesn_x"))
        .unwrap();
    let back = db.engine.rollback(&s.id, &good, &user()).unwrap();
    assert_eq!(back.memory.content.as_deref(), Some("good"));
    assert_eq!(back.memory.id, m.memory.id);
    assert_eq!(back.change.unwrap().operation, Operation::Modified);

    db.engine
        .delete_memory(&s.id, &m.memory.id, None, &user())
        .unwrap();
    let revived = db.engine.rollback(&s.id, &good, &user()).unwrap();
    assert_eq!(
        revived.memory.id, m.memory.id,
        "the memory comes back under its id"
    );
    assert_eq!(revived.memory.path, "/a");
    assert_eq!(revived.change.unwrap().operation, Operation::Created);
    let deleted = versions_where(
        &db,
        &s.id,
        VersionQuery {
            operation: Some(Operation::Deleted),
            ..Default::default()
        },
    );
    let err = db
        .engine
        .rollback(&s.id, &deleted[0].id, &user())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn ver_06_retention_prunes_old_versions_but_keeps_head_and_recent() {
    let db = test_db!(EngineConfig {
        retention_age: Duration::from_secs(3600),
        retention_keep_recent: 2,
        ..EngineConfig::default()
    });
    let s = db.store("s");
    for i in 0..5 {
        db.engine
            .put_memory(
                &s.id,
                "/live",
                &format!("v{i}"),
                Precondition::None,
                &user(),
            )
            .unwrap();
    }
    let gone = db.create(&s.id, "/gone", "x").memory;
    db.engine
        .delete_memory(&s.id, &gone.id, None, &user())
        .unwrap();

    // Nothing is old enough yet.
    assert_eq!(
        db.engine
            .prune(memstore::store::now())
            .unwrap()
            .versions_pruned,
        0
    );
    let later = memstore::store::now() + chrono::Duration::hours(2);
    let report = db.engine.prune(later).unwrap();
    assert_eq!(
        report.versions_pruned,
        3 + 2,
        "3 old versions of /live, both of /gone"
    );
    let left = versions(&db, &s.id);
    let contents: Vec<_> = left.iter().map(|v| v.content.clone().unwrap()).collect();
    assert_eq!(contents, ["v4", "v3"]);
    assert!(
        db.engine.verify_chain(&s.id).unwrap().ok,
        "pruning keeps the chain verifiable"
    );
}

#[test]
fn ver_07_chain_verifies_and_names_first_tampered_version() {
    let db = test_db!();
    let s = db.store("s");
    let mut ids = Vec::new();
    for i in 0..4 {
        let out = db
            .engine
            .put_memory(&s.id, "/a", &format!("v{i}"), Precondition::None, &user())
            .unwrap();
        ids.push(out.change.unwrap().version_id);
    }
    let ok = db.engine.verify_chain(&s.id).unwrap();
    assert!(ok.ok);
    assert_eq!(ok.versions_checked, 4);

    // Tamper with history behind the engine's back.
    db.execute(
        "UPDATE versions SET content = 'forged' WHERE id = $1",
        &[&ids[1]],
    );
    let report = db.engine.verify_chain(&s.id).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert_eq!(broken.version_id.as_deref(), Some(ids[1].as_str()));

    // Deleting a version is caught too.
    db.execute("UPDATE versions SET content = 'v1' WHERE id = $1", &[&ids[1]]);
    assert!(db.engine.verify_chain(&s.id).unwrap().ok);
    db.execute("DELETE FROM versions WHERE id = $1", &[&ids[3]]);
    let report = db.engine.verify_chain(&s.id).unwrap();
    assert_eq!(report.first_broken.unwrap().seq, 4);
}

#[test]
fn ver_07_redaction_keeps_chain_and_secret_is_not_brute_forceable() {
    let db = test_db!();
    let s = db.store("s");
    let secret = "4711";
    let first = db.create(&s.id, "/pin", secret);
    let v1 = first.change.unwrap().version_id;
    db.engine
        .put_memory(&s.id, "/pin", "changed", Precondition::None, &user())
        .unwrap();
    db.engine.redact_version(&s.id, &v1, &user()).unwrap();
    assert!(db.engine.verify_chain(&s.id).unwrap().ok);

    // Everything the database keeps about the redacted version: hashing all
    // 10,000 four-digit PINs, with or without any stored column as salt,
    // matches none of it.
    let (salt, commitment, link) = db.chain_columns(&v1);
    assert_eq!(
        salt, None,
        "the commitment's salt is destroyed with the content"
    );
    use sha2::{Digest, Sha256};
    for pin in 0..10_000 {
        let guess = format!("{pin:04}");
        for material in [
            guess.as_bytes().to_vec(),
            [commitment.as_slice(), guess.as_bytes()].concat(),
        ] {
            let h = Sha256::digest(&material).to_vec();
            assert_ne!(h, commitment);
            assert_ne!(h, link);
        }
    }
}

#[test]
fn ver_08_every_version_and_store_change_is_an_event() {
    let db = test_db!();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "x", &session("sesn_1"))
        .unwrap();
    db.engine
        .put_memory(&s.id, "/a", "y", Precondition::None, &user())
        .unwrap();
    db.engine
        .redact_version(&s.id, &m.change.unwrap().version_id, &user())
        .unwrap();
    db.engine
        .delete_memory(&s.id, &m.memory.id, None, &user())
        .unwrap();
    db.engine.archive_store(&s.id, &user()).unwrap();
    let events = db
        .engine
        .events(&EventQuery {
            memory_store_id: Some(s.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let types: Vec<_> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            EventType::StoreCreated,
            EventType::MemoryCreated,
            EventType::MemoryModified,
            EventType::VersionRedacted,
            EventType::MemoryDeleted,
            EventType::StoreArchived,
        ]
    );
    assert_eq!(
        events[1].path, None,
        "the redacted version's path is scrubbed from its event"
    );
    assert_eq!(events[1].session_id.as_deref(), Some("sesn_1"));
    let by_session = db
        .engine
        .events(&EventQuery {
            session_id: Some("sesn_1".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_session.len(), 1);
    let resumed = db
        .engine
        .events(&EventQuery {
            memory_store_id: Some(s.id.clone()),
            after: Some(events[3].id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(resumed.len(), 2);
}

/// Opens a session of the default workspace on `store`, run by `agent`.
fn agent_session(db: &TestDb, store: &str, agent: Option<&str>) -> String {
    use memstore::store::sessions::{Agent, NewAgent, NewAttachment, NewSession};
    let new = NewSession {
        workspace_id: "default".into(),
        owner_api_key_id: None,
        resources: vec![NewAttachment {
            memory_store_id: store.into(),
            ..Default::default()
        }],
    };
    let agent = agent.map(|id| NewAgent {
        agent: Agent {
            id: id.into(),
            name: None,
            metadata: Default::default(),
        },
        render_in_prompt: false,
    });
    db.engine
        .create_agent_session(new, agent, mount_paths)
        .unwrap()
        .id
}

#[test]
fn ver_03_agent_filter_returns_exactly_that_agents_versions_in_order_across_pages() {
    let db = test_db!();
    let s = db.store("s");
    // Two agents, three sessions (billing runs two), one agentless session
    // and an operator, writing interleaved.
    let b1 = agent_session(&db, &s.id, Some("billing"));
    let sup = agent_session(&db, &s.id, Some("support"));
    let b2 = agent_session(&db, &s.id, Some("billing"));
    let plain = agent_session(&db, &s.id, None);
    let writers = [&b1, &sup, &b2, &plain];
    for round in 0..4 {
        for (i, w) in writers.iter().enumerate() {
            let path = format!("/{i}/{round}");
            db.engine
                .create_memory(&s.id, &path, "x", &session(w))
                .unwrap();
        }
        db.engine
            .create_memory(&s.id, &format!("/op/{round}"), "x", &user())
            .unwrap();
    }
    let all = versions(&db, &s.id);
    let of = |ids: &[&String]| -> Vec<String> {
        all.iter()
            .filter(|v| ids.iter().any(|id| v.created_by == session(id)))
            .map(|v| v.id.clone())
            .collect()
    };
    for (agent, sessions) in [("billing", vec![&b1, &b2]), ("support", vec![&sup])] {
        let mut got = Vec::new();
        let mut q = VersionQuery {
            agent_id: Some(agent.into()),
            limit: 3,
            ..Default::default()
        };
        loop {
            let page = db.engine.list_versions(&s.id, &q).unwrap();
            assert!(page.data.len() <= 3);
            got.extend(page.data.into_iter().map(|v| v.id));
            match page.next_page {
                Some(next) => q.page = Some(next),
                None => break,
            }
        }
        assert_eq!(got, of(&sessions), "{agent}: newest first, nothing else");
    }
    // Combined with a session filter: AND.
    let q = VersionQuery {
        agent_id: Some("billing".into()),
        created_by: vec![session(&b2)],
        ..Default::default()
    };
    assert_eq!(versions_where(&db, &s.id, q).len(), 4);
    let nobody = VersionQuery {
        agent_id: Some("nobody".into()),
        ..Default::default()
    };
    assert!(versions_where(&db, &s.id, nobody).is_empty());
    // The reference's actor object is unchanged: only type and session id.
    let v = all.iter().find(|v| v.created_by == session(&b1)).unwrap();
    assert_eq!(
        serde_json::to_value(&v.created_by).unwrap(),
        serde_json::json!({"type": "session_actor", "session_id": b1})
    );
}

#[test]
fn ver_08_events_carry_the_agent_and_filter_by_it() {
    let db = test_db!();
    let s = db.store("s");
    let b = agent_session(&db, &s.id, Some("billing"));
    let p = agent_session(&db, &s.id, None);
    let m = db
        .engine
        .create_memory(&s.id, "/a", "1", &session(&b))
        .unwrap();
    db.engine
        .create_memory(&s.id, "/b", "1", &session(&p))
        .unwrap();
    db.engine
        .put_memory(&s.id, "/a", "2", Precondition::None, &session(&b))
        .unwrap();
    db.engine
        .delete_memory(&s.id, &m.memory.id, None, &session(&b))
        .unwrap();
    let all = db
        .engine
        .events(&EventQuery {
            memory_store_id: Some(s.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let agents: Vec<_> = all.iter().map(|e| e.agent_id.as_deref()).collect();
    assert_eq!(
        agents,
        [
            None,
            Some("billing"),
            None,
            Some("billing"),
            Some("billing")
        ]
    );
    let billing = db
        .engine
        .events(&EventQuery {
            memory_store_id: Some(s.id.clone()),
            agent_id: Some("billing".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(billing.len(), 3);
    assert!(billing.iter().all(|e| e.session_id.as_deref() == Some(&b)));
    // An agentless event has no `agent_id` on the wire, as before.
    let plain = serde_json::to_value(&all[2]).unwrap();
    assert!(plain.get("agent_id").is_none(), "{plain}");
}

#[test]
fn ses_04_bad_agent_or_agent_filter_is_invalid_naming_the_field() {
    use memstore::store::sessions::{Agent, NewAgent, NewAttachment, NewSession};
    let db = test_db!();
    let s = db.store("s");
    let new = || NewSession {
        workspace_id: "default".into(),
        owner_api_key_id: None,
        resources: vec![NewAttachment {
            memory_store_id: s.id.clone(),
            ..Default::default()
        }],
    };
    let agent = |id: &str| Agent {
        id: id.into(),
        name: None,
        metadata: Default::default(),
    };
    let too_many: std::collections::BTreeMap<_, _> =
        (0..17).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let cases = [
        (agent(""), "agent.id"),
        (agent(&"a".repeat(256)), "agent.id"),
        (agent("bad\nid"), "agent.id"),
        (
            Agent {
                name: Some(String::new()),
                ..agent("a")
            },
            "agent.name",
        ),
        (
            Agent {
                metadata: too_many,
                ..agent("a")
            },
            "agent.metadata",
        ),
    ];
    for (bad, field) in cases {
        let err = db
            .engine
            .create_agent_session(
                new(),
                Some(NewAgent {
                    agent: bad.clone(),
                    render_in_prompt: false,
                }),
                mount_paths,
            )
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid { field: f, .. } if *f == field),
            "{bad:?}: {err}"
        );
    }
    // 255 characters of any script are fine.
    db.engine
        .create_agent_session(
            new(),
            Some(NewAgent {
                agent: agent(&"é".repeat(255)),
                render_in_prompt: false,
            }),
            mount_paths,
        )
        .unwrap();
    let q = VersionQuery {
        agent_id: Some(String::new()),
        ..Default::default()
    };
    let err = db.engine.list_versions(&s.id, &q).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "agent_id",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn ses_04_session_without_agent_writes_as_before() {
    let db = test_db!();
    let s = db.store("s");
    let id = agent_session(&db, &s.id, None);
    let session_json = serde_json::to_value(db.engine.session(&id).unwrap().unwrap()).unwrap();
    let mut keys: Vec<_> = session_json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
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
    db.engine
        .create_memory(&s.id, "/a", "x", &session(&id))
        .unwrap();
    let [v] = versions(&db, &s.id).try_into().unwrap();
    assert_eq!(v.created_by, session(&id));
    let q = VersionQuery {
        agent_id: Some("anyone".into()),
        ..Default::default()
    };
    assert!(versions_where(&db, &s.id, q).is_empty());
}
