// The backend suite's cases of store_memories.rs, included once per backend.

use crate::common::{TestDb, api, paths, seed_tree, user, versions};
use memstore::store::{
    Applied, BatchOp, Decision, EngineConfig, ErrorKind, MemoryListItem, MemoryQuery, MemoryUpdate,
    Precondition, StoreError, View, content_sha256,
};

#[test]
fn mem_01_memory_fields_describe_its_content() {
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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
    db.create(&s.id, "/Notes", "1");
    db.create(&s.id, "/notes", "2");
}

#[test]
fn mem_04_conflict_with_same_ancestor_and_descendant_path() {
    let db = test_db!();
    let s = db.store("s");
    let a = db.create(&s.id, "/a/b", "x").memory;
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
    db.create(&s.id, "/a/bc", "z");
    db.create(&s.id, "/a/b-c", "z");
}

#[test]
fn mem_04_rename_into_a_conflict_is_refused() {
    let db = test_db!();
    let s = db.store("s");
    let a = db.create(&s.id, "/a", "x").memory;
    db.create(&s.id, "/d/e", "y");
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
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "one").memory;
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
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "same").memory;
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
    let db = test_db!();
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
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "x").memory;
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

#[test]
fn mem_08_recursive_listing_in_path_order_with_prefix() {
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!(EngineConfig {
        max_memories_per_store: 2,
        ..EngineConfig::default()
    });
    let s = db.store("s");
    let a = db.create(&s.id, "/a", "1").memory;
    db.create(&s.id, "/b", "2");
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
    assert_eq!(db.engine.memory_count(&s.id).unwrap(), 2);
    db.engine
        .delete_memory(&s.id, &a.id, None, &user())
        .unwrap();
    assert_eq!(db.engine.memory_count(&s.id).unwrap(), 1);
    db.create(&s.id, "/c", "3");
    assert_eq!(db.engine.memory_count(&s.id).unwrap(), 2);
    let missing = db.engine.memory_count("memstore_missing").unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn sec_04_hostile_strings_are_data_not_sql() {
    let db = test_db!();
    let hostile = "x'); DROP TABLE memories; --";
    let s = db.store(hostile);
    let path = "/notes/'; DELETE FROM versions WHERE '1'='1";
    db.create(&s.id, path, hostile);
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
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "x").memory;
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

/// Writes `content` at `/a` under the version id `reserved`, as a sandbox
/// call commits a `store.write` (one op of a batch).
fn put_reserved(
    db: &TestDb,
    store_id: &str,
    content: &str,
    reserved: &str,
) -> memstore::store::Result<memstore::store::WriteOutcome> {
    let content = content.to_owned();
    let op = BatchOp::Put {
        store_id: store_id.into(),
        path: "/a".into(),
        version_id: Some(reserved.into()),
        decide: Box::new(move |_| Decision::Write {
            content,
            note: None,
        }),
    };
    let mut results = db.engine.apply_batch(vec![op], &user())?;
    match results.pop().expect("one result per op")? {
        Applied::Put { outcome, .. } => Ok(outcome),
        other => panic!("a put answers with Applied::Put, not {other:?}"),
    }
}

#[test]
fn tool_02_ver_01_a_reserved_version_id_is_the_id_in_history() {
    let db = test_db!();
    let s = db.store("s");
    let reserved = memstore::store::ids::new_id(memstore::store::ids::VERSION_PREFIX);
    let out = put_reserved(&db, &s.id, "x", &reserved).unwrap();
    assert_eq!(out.memory.memory_version_id, reserved);
    assert_eq!(out.change.unwrap().version_id, reserved);
    let history = versions(&db, &s.id);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, reserved);
    let taken = put_reserved(&db, &s.id, "y", &reserved);
    assert_eq!(
        taken.unwrap_err().kind(),
        ErrorKind::Internal,
        "ids are unique"
    );
    assert_eq!(versions(&db, &s.id).len(), 1);
}

#[test]
fn tool_02_a_reserved_version_id_must_look_like_one() {
    let db = test_db!();
    let s = db.store("s");
    for bad in [
        "",
        "memver_x",
        "mem_aaaaaaaaaaaaaaaaaaaaaaaa",
        "memver_aaaaaaaaaaaaaaaaaaaaaaa!",
    ] {
        let err = put_reserved(&db, &s.id, "x", bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad:?}");
    }
    assert!(db.engine.memory_at(&s.id, "/a").unwrap().is_none());
}
