//! FS-08 at the VFS level, without wasm: a descriptor whose head moved
//! before commit merges non-overlapping changes and keeps both versions of
//! overlapping ones. Deterministic, since the "other session" commits at a
//! chosen moment.

mod common;

use std::collections::BTreeSet;

use common::{TestDb, session};
use memstore::store::{Operation, Precondition, VersionQuery, View};
use memstore::vfs::{Mount, MountTable, Node, OpenMode, Vfs};

fn vfs(db: &TestDb, store_id: &str, session_id: &str) -> Vfs {
    let mounts = MountTable::new(vec![Mount {
        slug: "log".into(),
        store_id: store_id.into(),
        name: "Log".into(),
        writable: true,
    }]);
    Vfs::new(
        db.engine.clone(),
        mounts,
        session(session_id),
        BTreeSet::new(),
    )
}

fn root() -> Node {
    Node::Dir {
        mount: 0,
        path: "/".into(),
    }
}

fn write_mode() -> OpenMode {
    OpenMode {
        write: true,
        read: true,
        ..OpenMode::default()
    }
}

#[test]
fn fs_08_non_overlapping_concurrent_changes_are_merged() {
    let db = TestDb::new();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/log.md", "l1\nl2\nl3\n", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let Node::File(file) = a.open_at(&root(), "log.md", write_mode()).unwrap() else {
        panic!("a file")
    };
    file.lock().unwrap().write_at(None, b"from a\n").unwrap();
    db.engine
        .put_memory(
            &store.id,
            "/log.md",
            "from b\nl1\nl2\nl3\n",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    a.close(&file);
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/log.md").unwrap().unwrap();
    assert_eq!(
        head.content.as_deref(),
        Some("from b\nl1\nl2\nl3\nfrom a\n")
    );
    assert!(
        out.notes.iter().any(|n| n.contains("merged")),
        "{:?}",
        out.notes
    );
}

#[test]
fn fs_08_overlapping_edits_keep_both_versions_in_history() {
    let db = TestDb::new();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/log.md", "base\n", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let Node::File(file) = a.open_at(&root(), "log.md", write_mode()).unwrap() else {
        panic!("a file")
    };
    {
        let mut f = file.lock().unwrap();
        f.set_size(0).unwrap();
        f.write_at(Some(0), b"edit by a\n").unwrap();
    }
    let theirs = db
        .engine
        .put_memory(
            &store.id,
            "/log.md",
            "edit by b\n",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    let theirs_id = theirs.change.unwrap().version_id;
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/log.md").unwrap().unwrap();
    assert_eq!(head.content.as_deref(), Some("edit by a\n"));
    let note = out.notes.join("\n");
    assert!(
        note.contains(&theirs_id) && note.contains(&head.memory_version_id),
        "{note}"
    );
    let q = VersionQuery {
        memory_id: Some(head.id.clone()),
        view: View::Full,
        ..VersionQuery::default()
    };
    let history: Vec<_> = db
        .engine
        .list_versions(&store.id, &q)
        .unwrap()
        .data
        .into_iter()
        .map(|v| v.content.unwrap_or_default())
        .collect();
    assert_eq!(history, ["edit by a\n", "edit by b\n", "base\n"]);
    assert_eq!(out.changes[0].operation, Operation::Modified);
}

#[test]
fn tool_02_a_failed_call_commits_nothing() {
    let db = TestDb::new();
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let mode = OpenMode {
        create: true,
        write: true,
        ..OpenMode::default()
    };
    let Node::File(file) = a.open_at(&root(), "new.md", mode).unwrap() else {
        panic!("a file")
    };
    file.lock().unwrap().write_at(None, b"x").unwrap();
    a.close(&file);
    let out = a.finish(false);
    assert!(out.changes.is_empty());
    assert!(db.engine.memory_at(&store.id, "/new.md").unwrap().is_none());
}
