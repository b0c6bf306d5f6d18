// The backend suite's cases of store_stores.rs, included once per backend.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::{api, file_contains, session, user};
use memstore::store::{
    Actor, ErrorKind, MemoryUpdate, NewStore, StoreError, StorePatch, StoreQuery,
};

#[test]
fn store_01_store_has_prefixed_id_and_defaults() {
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
    let s = db.store("s");
    let m = db.create(&s.id, "/a", "x");
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
    let db = test_db!();
    let s = db.store("s");
    let secret = "store-delete-secret-3f9a7c";
    let m = db.create(&s.id, "/a", secret);
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

#[test]
fn store_05_stores_record_their_workspace() {
    let db = test_db!();
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
