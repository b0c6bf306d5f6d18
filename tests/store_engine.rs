//! The store engine's rules (STORE, MEM, VER, DUR-03) against a real SQLite
//! file. Each test is named after the requirement it proves.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TestDb, api, session, user};
use memstore::store::{
    Actor, EngineConfig, ErrorKind, EventQuery, EventType, MemoryListItem, MemoryQuery,
    MemoryUpdate, NewStore, Operation, Precondition, StoreError, StorePatch, StoreQuery,
    VersionQuery, View, content_sha256,
};

fn paths(items: &[MemoryListItem]) -> Vec<&str> {
    items.iter().map(MemoryListItem::path).collect()
}

// ---- STORE ---------------------------------------------------------------

#[test]
fn store_01_store_has_prefixed_id_and_defaults() {
    let db = TestDb::new();
    let s = db.store("Team notes");
    assert!(s.id.starts_with("memstore_"));
    assert_eq!(s.description, "");
    assert!(s.metadata.is_empty());
    assert_eq!(s.created_at, s.updated_at);
    assert!(s.archived_at.is_none());
    assert_eq!(db.engine.store(&s.id).unwrap(), s);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["type"], "memory_store");
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn store_01_rejects_bad_name_description_and_metadata() {
    let db = TestDb::new();
    let mk = |name: &str, description: &str, metadata: BTreeMap<String, String>| {
        db.engine.create_store(
            NewStore {
                workspace_id: "w".into(),
                name: name.into(),
                description: description.into(),
                metadata,
            },
            &user(),
        )
    };
    let none = BTreeMap::new;
    for (name, field) in [("", "name"), ("a\u{7}b", "name")] {
        let err = mk(name, "", none()).unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid { field: f, .. } if f == field),
            "{err}"
        );
    }
    assert!(mk(&"n".repeat(255), "", none()).is_ok());
    assert!(mk(&"n".repeat(256), "", none()).is_err());
    assert!(mk("ok", &"d".repeat(1024), none()).is_ok());
    assert!(mk("ok", &"d".repeat(1025), none()).is_err());
    let many: BTreeMap<_, _> = (0..17)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    assert!(mk("ok", "", many).is_err());
    let long_key = BTreeMap::from([("k".repeat(65), "v".to_string())]);
    assert!(mk("ok", "", long_key).is_err());
    let long_value = BTreeMap::from([("k".to_string(), "v".repeat(513))]);
    assert!(mk("ok", "", long_value).is_err());
    let page = db.engine.list_stores(&StoreQuery::default()).unwrap();
    assert_eq!(page.data.len(), 2, "only the two valid stores exist");
}

#[test]
fn store_02_list_pages_newest_first_and_hides_archived() {
    let db = TestDb::new();
    let ids: Vec<_> = (0..5).map(|i| db.store(&format!("s{i}")).id).collect();
    db.engine.archive_store(&ids[2], &user()).unwrap();
    let mut seen = Vec::new();
    let mut page = None;
    loop {
        let p = db
            .engine
            .list_stores(&StoreQuery {
                limit: 2,
                page,
                ..StoreQuery::default()
            })
            .unwrap();
        seen.extend(p.data.iter().map(|s| s.id.clone()));
        match p.next_page {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            ids[4].clone(),
            ids[3].clone(),
            ids[1].clone(),
            ids[0].clone()
        ]
    );
    let all = db
        .engine
        .list_stores(&StoreQuery {
            include_archived: true,
            ..StoreQuery::default()
        })
        .unwrap();
    assert_eq!(all.data.len(), 5);
}

#[test]
fn store_02_list_filters_by_creation_time_and_workspace() {
    let db = TestDb::new();
    let a = db.store("a");
    std::thread::sleep(Duration::from_millis(5));
    let b = db.store("b");
    let after_a = db
        .engine
        .list_stores(&StoreQuery {
            created_gte: Some(b.created_at),
            ..StoreQuery::default()
        })
        .unwrap();
    assert_eq!(after_a.data, [b]);
    let until_a = db
        .engine
        .list_stores(&StoreQuery {
            created_lte: Some(a.created_at),
            ..StoreQuery::default()
        })
        .unwrap();
    assert_eq!(until_a.data, [a]);
    let other = db
        .engine
        .list_stores(&StoreQuery {
            workspace_id: Some("elsewhere".into()),
            ..StoreQuery::default()
        })
        .unwrap();
    assert!(other.data.is_empty());
}

#[test]
fn store_02_update_patches_metadata_and_clears_description() {
    let db = TestDb::new();
    let s = db
        .engine
        .create_store(
            NewStore {
                workspace_id: "w".into(),
                name: "n".into(),
                description: "d".into(),
                metadata: BTreeMap::from([
                    ("keep".into(), "1".into()),
                    ("drop".into(), "2".into()),
                ]),
            },
            &user(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(2));
    let u = db
        .engine
        .update_store(
            &s.id,
            StorePatch {
                name: Some("renamed".into()),
                description: Some(String::new()),
                metadata: Some(BTreeMap::from([
                    ("drop".into(), None),
                    ("new".into(), Some("3".into())),
                ])),
            },
        )
        .unwrap();
    assert_eq!(u.name, "renamed");
    assert_eq!(u.description, "");
    assert_eq!(
        u.metadata,
        BTreeMap::from([("keep".into(), "1".into()), ("new".into(), "3".into())])
    );
    assert!(u.updated_at > s.updated_at);
    assert_eq!(db.engine.store(&s.id).unwrap(), u);
}

#[test]
fn store_03_archive_is_idempotent_and_blocks_changes() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db.engine.create_memory(&s.id, "/a", "x", &user()).unwrap();
    let first = db.engine.archive_store(&s.id, &user()).unwrap();
    let again = db.engine.archive_store(&s.id, &user()).unwrap();
    assert!(first.archived_at.is_some());
    assert_eq!(first.archived_at, again.archived_at);
    fn kind<T: std::fmt::Debug>(r: Result<T, StoreError>) -> ErrorKind {
        r.unwrap_err().kind()
    }
    assert_eq!(
        kind(db.engine.create_memory(&s.id, "/b", "y", &user())),
        ErrorKind::ReadOnly
    );
    let update = MemoryUpdate {
        content: Some("z".into()),
        ..MemoryUpdate::default()
    };
    assert_eq!(
        kind(
            db.engine
                .update_memory(&s.id, &m.memory.id, update, &user())
        ),
        ErrorKind::ReadOnly
    );
    assert_eq!(
        kind(db.engine.update_store(&s.id, StorePatch::default())),
        ErrorKind::ReadOnly
    );
    assert_eq!(
        db.engine
            .memory(&s.id, &m.memory.id)
            .unwrap()
            .content
            .as_deref(),
        Some("x")
    );
    // As in the reference service, memories of an archived store can still be deleted.
    db.engine
        .delete_memory(&s.id, &m.memory.id, None, &user())
        .unwrap();
}

#[test]
fn store_04_delete_removes_memories_versions_and_bytes() {
    let db = TestDb::new();
    let s = db.store("s");
    let secret = "store-delete-secret-3f9a7c";
    let m = db
        .engine
        .create_memory(&s.id, "/a", secret, &user())
        .unwrap();
    db.engine.delete_store(&s.id, &user()).unwrap();
    assert_eq!(
        db.engine.store(&s.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let v = m.change.unwrap().version_id;
    assert_eq!(
        db.engine.version(&s.id, &v).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(!file_contains(&db, secret.as_bytes()));
}

// ---- MEM -----------------------------------------------------------------

#[test]
fn mem_01_memory_fields_describe_its_content() {
    let db = TestDb::new();
    let s = db.store("s");
    let content = "héllo\n";
    let out = db
        .engine
        .create_memory(&s.id, "/notes/a.md", content, &api("apikey_1"))
        .unwrap();
    let m = &out.memory;
    assert!(m.id.starts_with("mem_"));
    assert_eq!(m.content_sha256, content_sha256(content));
    assert_eq!(m.content_sha256.len(), 64);
    assert_eq!(m.content_size_bytes, content.len() as u64);
    assert_eq!(m.memory_version_id, out.change.as_ref().unwrap().version_id);
    assert_eq!(db.engine.memory(&s.id, &m.id).unwrap(), *m);
}

#[test]
fn mem_02_content_over_cap_is_refused_and_nothing_stored() {
    let db = TestDb::new();
    let s = db.store("s");
    assert!(
        db.engine
            .create_memory(&s.id, "/max", &"x".repeat(102_400), &user())
            .is_ok()
    );
    let err = db
        .engine
        .create_memory(&s.id, "/big", &"x".repeat(102_401), &user())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TooLarge { size: 102_401, .. }),
        "{err}"
    );
    assert!(db.engine.memory_at(&s.id, "/big").unwrap().is_none());
    assert_eq!(versions(&db, &s.id).len(), 1);
}

#[test]
fn mem_03_invalid_paths_are_rejected_not_rewritten() {
    let db = TestDb::new();
    let s = db.store("s");
    for bad in [
        "no-slash",
        "/",
        "/a//b",
        "/a/",
        "/a/../b",
        "/./a",
        "/a\0b",
        "/cafe\u{301}",
        "/x\u{200D}",
    ] {
        let err = db
            .engine
            .create_memory(&s.id, bad, "x", &user())
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidPath { .. }),
            "{bad:?}: {err}"
        );
    }
    assert!(versions(&db, &s.id).is_empty());
    // Case-sensitive: these are two memories.
    db.engine
        .create_memory(&s.id, "/Notes", "1", &user())
        .unwrap();
    db.engine
        .create_memory(&s.id, "/notes", "2", &user())
        .unwrap();
}

#[test]
fn mem_04_conflict_with_same_ancestor_and_descendant_path() {
    let db = TestDb::new();
    let s = db.store("s");
    let a = db
        .engine
        .create_memory(&s.id, "/a/b", "x", &user())
        .unwrap()
        .memory;
    for (path, conflicting) in [("/a/b", "/a/b"), ("/a/b/c", "/a/b"), ("/a", "/a/b")] {
        match db
            .engine
            .create_memory(&s.id, path, "y", &user())
            .unwrap_err()
        {
            StoreError::PathConflict {
                conflicting_memory_id,
                conflicting_path,
                ..
            } => {
                assert_eq!(conflicting_memory_id, a.id);
                assert_eq!(conflicting_path, conflicting);
            }
            e => panic!("{path}: {e}"),
        }
    }
    // Siblings sharing a name prefix do not conflict.
    db.engine
        .create_memory(&s.id, "/a/bc", "z", &user())
        .unwrap();
    db.engine
        .create_memory(&s.id, "/a/b-c", "z", &user())
        .unwrap();
}

#[test]
fn mem_04_rename_into_a_conflict_is_refused() {
    let db = TestDb::new();
    let s = db.store("s");
    let a = db
        .engine
        .create_memory(&s.id, "/a", "x", &user())
        .unwrap()
        .memory;
    db.engine
        .create_memory(&s.id, "/d/e", "y", &user())
        .unwrap();
    let to = |p: &str| MemoryUpdate {
        path: Some(p.into()),
        ..MemoryUpdate::default()
    };
    let err = db
        .engine
        .update_memory(&s.id, &a.id, to("/d"), &user())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PathConflict);
    // Moving a memory below its own old path is fine: it no longer sits there.
    db.engine
        .update_memory(&s.id, &a.id, to("/a/inner"), &user())
        .unwrap();
}

#[test]
fn mem_05_update_with_precondition() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "one", &user())
        .unwrap()
        .memory;
    let stale = MemoryUpdate {
        content: Some("two".into()),
        precondition: Some(content_sha256("zero")),
        ..MemoryUpdate::default()
    };
    let err = db
        .engine
        .update_memory(&s.id, &m.id, stale, &user())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
    assert_eq!(
        db.engine.memory(&s.id, &m.id).unwrap().content.as_deref(),
        Some("one")
    );
    let fresh = MemoryUpdate {
        content: Some("two".into()),
        path: Some("/b".into()),
        precondition: Some(m.content_sha256.clone()),
    };
    let out = db
        .engine
        .update_memory(&s.id, &m.id, fresh, &user())
        .unwrap();
    assert_eq!(out.memory.id, m.id, "a rename keeps the id");
    assert_eq!(out.memory.path, "/b");
    assert_eq!(out.memory.content.as_deref(), Some("two"));
}

#[test]
fn mem_05_precondition_is_moot_when_nothing_would_change() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "same", &user())
        .unwrap()
        .memory;
    let update = MemoryUpdate {
        content: Some("same".into()),
        path: Some("/a".into()),
        precondition: Some(content_sha256("something else")),
    };
    let out = db
        .engine
        .update_memory(&s.id, &m.id, update, &user())
        .unwrap();
    assert_eq!(out.change, None);
    assert_eq!(out.memory, m);
}

#[test]
fn mem_06_no_op_write_creates_no_version() {
    let db = TestDb::new();
    let s = db.store("s");
    db.engine
        .put_memory(&s.id, "/a", "x", Precondition::None, &user())
        .unwrap();
    let again = db
        .engine
        .put_memory(&s.id, "/a", "x", Precondition::None, &user())
        .unwrap();
    assert!(again.change.is_none());
    assert_eq!(versions(&db, &s.id).len(), 1);
}

#[test]
fn mem_07_delete_with_expected_hash() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "x", &user())
        .unwrap()
        .memory;
    let err = db
        .engine
        .delete_memory(&s.id, &m.id, Some(&content_sha256("y")), &user())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
    assert!(db.engine.memory(&s.id, &m.id).is_ok());
    let deleted = db
        .engine
        .delete_memory(&s.id, &m.id, Some(&m.content_sha256), &user())
        .unwrap();
    let json = serde_json::to_value(&deleted).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"id": m.id, "type": "memory_deleted"})
    );
    assert_eq!(
        db.engine.memory(&s.id, &m.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

fn seed_tree(db: &TestDb, store: &str) {
    for p in ["/a/x", "/a/y/1", "/a/y/2", "/a/z/deep/1", "/b", "/c/1"] {
        db.engine.create_memory(store, p, p, &user()).unwrap();
    }
}

#[test]
fn mem_08_recursive_listing_in_path_order_with_prefix() {
    let db = TestDb::new();
    let s = db.store("s");
    seed_tree(&db, &s.id);
    let all = db
        .engine
        .list_memories(&s.id, &MemoryQuery::default())
        .unwrap();
    assert_eq!(
        paths(&all.data),
        ["/a/x", "/a/y/1", "/a/y/2", "/a/z/deep/1", "/b", "/c/1"]
    );
    let under_a = db
        .engine
        .list_memories(
            &s.id,
            &MemoryQuery {
                path_prefix: Some("/a/y/".into()),
                ..MemoryQuery::default()
            },
        )
        .unwrap();
    assert_eq!(paths(&under_a.data), ["/a/y/1", "/a/y/2"]);
    let bad = MemoryQuery {
        path_prefix: Some("/a".into()),
        ..MemoryQuery::default()
    };
    assert_eq!(
        db.engine.list_memories(&s.id, &bad).unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn mem_08_depth_one_rolls_up_directories_and_pages_through_them() {
    let db = TestDb::new();
    let s = db.store("s");
    seed_tree(&db, &s.id);
    let q = |prefix: &str, page: Option<String>| MemoryQuery {
        path_prefix: Some(prefix.into()),
        depth: 1,
        limit: 2,
        page,
        ..MemoryQuery::default()
    };
    let mut seen = Vec::new();
    let mut page = None;
    loop {
        let p = db.engine.list_memories(&s.id, &q("/", page)).unwrap();
        assert!(p.data.len() <= 2);
        seen.extend(p.data.iter().map(|i| i.path().to_owned()));
        match p.next_page {
            Some(n) => page = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ["/a/", "/b", "/c/"]);
    let inner = db.engine.list_memories(&s.id, &q("/a/", None)).unwrap();
    assert_eq!(paths(&inner.data), ["/a/x", "/a/y/"]);
    let json = serde_json::to_value(&inner.data[1]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "memory_prefix", "path": "/a/y/"})
    );
}

#[test]
fn mem_08_views_and_limits() {
    let db = TestDb::new();
    let s = db.store("s");
    for i in 0..25 {
        db.engine
            .create_memory(&s.id, &format!("/m{i:02}"), "c", &user())
            .unwrap();
    }
    let basic = db
        .engine
        .list_memories(
            &s.id,
            &MemoryQuery {
                limit: 100,
                ..MemoryQuery::default()
            },
        )
        .unwrap();
    assert_eq!(basic.data.len(), 25);
    assert!(matches!(&basic.data[0], MemoryListItem::Memory(m) if m.content.is_none()));
    let full = db
        .engine
        .list_memories(
            &s.id,
            &MemoryQuery {
                view: View::Full,
                limit: 100,
                ..MemoryQuery::default()
            },
        )
        .unwrap();
    assert_eq!(full.data.len(), 20, "full views hold at most 20 items");
    assert!(
        matches!(&full.data[0], MemoryListItem::Memory(m) if m.content.as_deref() == Some("c"))
    );
    assert!(full.next_page.is_some());
    let over = MemoryQuery {
        limit: 101,
        ..MemoryQuery::default()
    };
    assert_eq!(
        db.engine.list_memories(&s.id, &over).unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn mem_09_store_capacity_is_enforced() {
    let db = TestDb::with_config(EngineConfig {
        max_memories_per_store: 2,
        ..EngineConfig::default()
    });
    let s = db.store("s");
    let a = db
        .engine
        .create_memory(&s.id, "/a", "1", &user())
        .unwrap()
        .memory;
    db.engine.create_memory(&s.id, "/b", "2", &user()).unwrap();
    let err = db
        .engine
        .create_memory(&s.id, "/c", "3", &user())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CapacityExceeded);
    assert!(err.to_string().contains("maximum of 2"));
    // Updates of existing memories are not creations.
    db.engine
        .put_memory(&s.id, "/a", "1b", Precondition::None, &user())
        .unwrap();
    db.engine
        .delete_memory(&s.id, &a.id, None, &user())
        .unwrap();
    db.engine.create_memory(&s.id, "/c", "3", &user()).unwrap();
}

// ---- VER -----------------------------------------------------------------

fn versions(db: &TestDb, store: &str) -> Vec<memstore::store::MemoryVersion> {
    versions_where(db, store, VersionQuery::default())
}

fn versions_where(
    db: &TestDb,
    store: &str,
    q: VersionQuery,
) -> Vec<memstore::store::MemoryVersion> {
    let mut out = Vec::new();
    let mut q = VersionQuery {
        limit: 100,
        view: View::Full,
        ..q
    };
    loop {
        let p = db.engine.list_versions(store, &q).unwrap();
        out.extend(p.data);
        match p.next_page {
            Some(n) => q.page = Some(n),
            None => return out,
        }
    }
}

#[test]
fn ver_01_each_mutation_appends_one_version_and_rename_is_modified() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "1", &user())
        .unwrap()
        .memory;
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
    let db = TestDb::new();
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
    let db = TestDb::new();
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
    db.engine
        .create_memory(&s.id, "/late", "x", &user())
        .unwrap();
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

fn file_contains(db: &TestDb, needle: &[u8]) -> bool {
    db.engine.checkpoint().unwrap();
    let dir = db.dir.path();
    std::fs::read_dir(dir).unwrap().any(|f| {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

#[test]
fn ver_04_redaction_removes_the_bytes_from_the_database_file() {
    let db = TestDb::new();
    let s = db.store("s");
    let secret = "api-token=sk-REDACT-ME-7d1e0b";
    let m = db
        .engine
        .create_memory(&s.id, "/creds/token", secret, &user())
        .unwrap();
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
    let db = TestDb::new();
    let s = db.store("s");
    let m = db.engine.create_memory(&s.id, "/a", "x", &user()).unwrap();
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
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "good", &user())
        .unwrap();
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
    let db = TestDb::with_config(EngineConfig {
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
    let gone = db
        .engine
        .create_memory(&s.id, "/gone", "x", &user())
        .unwrap()
        .memory;
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
    let db = TestDb::new();
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
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute(
        "UPDATE versions SET content = 'forged' WHERE id = ?1",
        [&ids[1]],
    )
    .unwrap();
    let report = db.engine.verify_chain(&s.id).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert_eq!(broken.version_id.as_deref(), Some(ids[1].as_str()));

    // Deleting a version is caught too.
    conn.execute(
        "UPDATE versions SET content = 'v1' WHERE id = ?1",
        [&ids[1]],
    )
    .unwrap();
    assert!(db.engine.verify_chain(&s.id).unwrap().ok);
    conn.execute("DELETE FROM versions WHERE id = ?1", [&ids[3]])
        .unwrap();
    let report = db.engine.verify_chain(&s.id).unwrap();
    assert_eq!(report.first_broken.unwrap().seq, 4);
}

#[test]
fn ver_07_redaction_keeps_chain_and_secret_is_not_brute_forceable() {
    let db = TestDb::new();
    let s = db.store("s");
    let secret = "4711";
    let first = db
        .engine
        .create_memory(&s.id, "/pin", secret, &user())
        .unwrap();
    let v1 = first.change.unwrap().version_id;
    db.engine
        .put_memory(&s.id, "/pin", "changed", Precondition::None, &user())
        .unwrap();
    db.engine.redact_version(&s.id, &v1, &user()).unwrap();
    assert!(db.engine.verify_chain(&s.id).unwrap().ok);

    // Everything the database keeps about the redacted version: hashing all
    // 10,000 four-digit PINs, with or without any stored column as salt,
    // matches none of it.
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let (salt, commitment, link): (Option<Vec<u8>>, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT salt, commitment, link FROM versions WHERE id = ?1",
            [&v1],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
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
    let db = TestDb::new();
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

// ---- DUR-03 ----------------------------------------------------------------

#[test]
fn dur_03_database_from_older_schema_opens_and_keeps_history() {
    use memstore::store::sqlite::{MIGRATIONS, migrate_to};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // What the first release left on disk: schema 1 and one store.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO stores (id, workspace_id, name, description, metadata, created_at, \
             updated_at, chain_head) VALUES ('memstore_old', 'default', 'old', '', '{}', 0, 0, zeroblob(32))",
            [],
        )
        .unwrap();
    }
    let engine = memstore::store::Engine::open_sqlite(&path, EngineConfig::default()).unwrap();
    assert_eq!(engine.store("memstore_old").unwrap().name, "old");
    engine
        .create_memory("memstore_old", "/a", "x", &user())
        .unwrap();
    assert!(engine.verify_chain("memstore_old").unwrap().ok);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len());
}

#[test]
fn dur_03_database_from_newer_release_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = memstore::store::Engine::open_sqlite(&path, EngineConfig::default()).unwrap_err();
    assert!(err.to_string().contains("upgrade memstore"), "{err}");
}

#[test]
fn store_05_stores_record_their_workspace() {
    let db = TestDb::new();
    let s = db
        .engine
        .create_store(
            NewStore {
                workspace_id: "wrkspc_a".into(),
                name: "n".into(),
                ..Default::default()
            },
            &user(),
        )
        .unwrap();
    assert_eq!(db.engine.store(&s.id).unwrap().workspace_id, "wrkspc_a");
    let json = serde_json::to_value(&s).unwrap();
    assert!(
        json.get("workspace_id").is_none(),
        "workspace is not part of the wire format"
    );
}

#[test]
fn actor_json_matches_reference_shapes() {
    let a: Actor =
        serde_json::from_str(r#"{"type":"session_actor","session_id":"sesn_1"}"#).unwrap();
    assert_eq!(a, session("sesn_1"));
    assert_eq!(
        serde_json::to_value(api("k")).unwrap(),
        serde_json::json!({"type":"api_actor","api_key_id":"k"})
    );
}

#[test]
fn sec_04_hostile_strings_are_data_not_sql() {
    let db = TestDb::new();
    let hostile = "x'); DROP TABLE memories; --";
    let s = db.store(hostile);
    let path = "/notes/'; DELETE FROM versions WHERE '1'='1";
    db.engine
        .create_memory(&s.id, path, hostile, &user())
        .unwrap();
    let m = db.engine.memory_at(&s.id, path).unwrap().unwrap();
    assert_eq!(m.content.as_deref(), Some(hostile));
    assert_eq!(db.engine.store(&s.id).unwrap().name, hostile);
    assert_eq!(versions(&db, &s.id).len(), 1);
    let listed = db
        .engine
        .list_memories(
            &s.id,
            &MemoryQuery {
                path_prefix: Some("/notes/".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(paths(&listed.data), [path]);
}

#[test]
fn mem_05_malformed_precondition_hash_is_invalid_not_a_conflict() {
    let db = TestDb::new();
    let s = db.store("s");
    let m = db
        .engine
        .create_memory(&s.id, "/a", "x", &user())
        .unwrap()
        .memory;
    let upper = m.content_sha256.to_uppercase();
    for bad in ["abc", upper.as_str(), &"g".repeat(64)] {
        let update = MemoryUpdate {
            content: Some("y".into()),
            precondition: Some(bad.into()),
            ..Default::default()
        };
        let err = db
            .engine
            .update_memory(&s.id, &m.id, update, &user())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}: {err}");
        let err = db
            .engine
            .delete_memory(&s.id, &m.id, Some(bad), &user())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}: {err}");
        let err = db
            .engine
            .put_memory(
                &s.id,
                "/a",
                "y",
                Precondition::ContentSha256(bad.into()),
                &user(),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}: {err}");
    }
    assert_eq!(
        db.engine.memory(&s.id, &m.id).unwrap().content.as_deref(),
        Some("x")
    );
}
