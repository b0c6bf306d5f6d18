// The backend suite's cases of vfs_merge.rs, included once per backend.

use std::collections::BTreeSet;

use crate::common::{TestDb, session};
use memstore::store::{EngineConfig, Operation, Precondition, VersionQuery, View, content_sha256};
use memstore::vfs::{
    Errno, FileRef, FsResult, Mount, MountTable, Node, OpenMode, StoreApiError, Vfs,
};

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
    let db = test_db!();
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
    let db = test_db!();
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
    let db = test_db!();
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

/// The sandbox path of `name` in the one mount of [`vfs`].
fn at(name: &str) -> String {
    format!("/mnt/memory/log/{name}")
}

fn version_count(db: &TestDb, store_id: &str) -> usize {
    let q = VersionQuery {
        limit: 100,
        ..VersionQuery::default()
    };
    db.engine.list_versions(store_id, &q).unwrap().data.len()
}

#[test]
fn fs_08_tool_05_a_store_write_merges_a_change_committed_after_it_was_staged() {
    let db = test_db!();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/log.md", "l1\nl2\nl3\n", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let read = a.read_memory(&at("log.md")).unwrap();
    let ours = format!("{}from a\n", read.content);
    let pre = Precondition::ContentSha256(read.content_sha256);
    let id = a.write_memory(&at("log.md"), ours, &pre).unwrap();
    db.engine
        .put_memory(
            &store.id,
            "/log.md",
            "from b\nl1\nl2\nl3\n",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/log.md").unwrap().unwrap();
    assert_eq!(
        head.content.as_deref(),
        Some("from b\nl1\nl2\nl3\nfrom a\n")
    );
    assert_eq!(head.memory_version_id, id, "the id the guest was given");
    assert_eq!(out.changes[0].version_id, id);
    assert!(
        out.notes.iter().any(|n| n.contains("merged")),
        "{:?}",
        out.notes
    );
}

/// TOOL-05: a conditional `store.write` is never committed over a change
/// that overlaps it, unlike a file write (FS-08); the call says it raced, so
/// the sandbox can run it again on the new content.
#[test]
fn tool_05_a_conditional_store_write_is_not_committed_over_an_overlapping_change() {
    let db = test_db!();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/f.md", "owner: alice\n", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let read = a.read_memory(&at("f.md")).unwrap();
    let pre = Precondition::ContentSha256(read.content_sha256);
    a.write_memory(&at("f.md"), "owner: alice (lead)\n".into(), &pre)
        .unwrap();
    let theirs = db
        .engine
        .put_memory(
            &store.id,
            "/f.md",
            "owner: bob\n",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/f.md").unwrap().unwrap();
    assert_eq!(head.content.as_deref(), Some("owner: bob\n"));
    assert_eq!(head.memory_version_id, theirs.memory.memory_version_id);
    assert!(out.changes.is_empty() && out.failed && out.raced, "{out:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("not committed")),
        "{:?}",
        out.notes
    );
}

#[test]
fn tool_05_a_store_write_precondition_is_checked_at_once_against_the_call_s_view() {
    let db = test_db!();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/f.md", "v1", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let v1 = Precondition::ContentSha256(a.read_memory(&at("f.md")).unwrap().content_sha256);
    db.engine
        .put_memory(
            &store.id,
            "/f.md",
            "v2",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    assert_eq!(
        a.write_memory(&at("f.md"), "mine".into(), &v1),
        Err(StoreApiError::PreconditionFailed(content_sha256("v2")))
    );
    let v2 = Precondition::ContentSha256(content_sha256("v2"));
    let id = a.write_memory(&at("f.md"), "v3".into(), &v2).unwrap();
    assert_eq!(
        a.write_memory(&at("f.md"), "v4".into(), &v2),
        Err(StoreApiError::PreconditionFailed(content_sha256("v3"))),
        "the call's own staged write is the current content"
    );
    assert_eq!(
        a.write_memory(&at("f.md"), "v3".into(), &v1),
        Ok(id.clone()),
        "MEM-05: unchanged content succeeds whatever the precondition"
    );
    assert_eq!(
        a.write_memory(&at("f.md"), "v1".into(), &Precondition::Absent),
        Err(StoreApiError::PreconditionFailed(content_sha256("v3")))
    );
    let out = a.finish(true);
    let ids: Vec<_> = out.changes.iter().map(|c| c.version_id.clone()).collect();
    assert_eq!(ids, [id]);
}

#[test]
fn tool_02_a_failed_call_commits_no_store_interface_change() {
    let db = test_db!();
    let store = db.store("Log");
    for path in ["/a.md", "/b.md"] {
        db.engine
            .create_memory(&store.id, path, "seeded", &session("sesn_seed"))
            .unwrap();
    }
    let versions = version_count(&db, &store.id);
    let mut a = vfs(&db, &store.id, "sesn_a");
    a.write_memory(&at("new.md"), "new".into(), &Precondition::Absent)
        .unwrap();
    a.write_memory(&at("a.md"), "changed".into(), &Precondition::None)
        .unwrap();
    a.delete_memory(&at("a.md"), &Precondition::None).unwrap();
    a.rename_memory(&at("b.md"), &at("c.md")).unwrap();
    let out = a.finish(false);
    assert!(out.changes.is_empty());
    assert_eq!(version_count(&db, &store.id), versions);
    let content = |p: &str| {
        db.engine
            .memory_at(&store.id, p)
            .unwrap()
            .and_then(|m| m.content)
    };
    assert_eq!(content("/a.md").as_deref(), Some("seeded"));
    assert_eq!(content("/b.md").as_deref(), Some("seeded"));
    assert_eq!((content("/c.md"), content("/new.md")), (None, None));
}

#[test]
fn mem_07_a_conditional_store_delete_keeps_a_memory_changed_before_commit() {
    let db = test_db!();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/f.md", "v1", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    let v1 = Precondition::ContentSha256(content_sha256("v1"));
    a.delete_memory(&at("f.md"), &v1).unwrap();
    assert!(matches!(
        a.read_memory(&at("f.md")),
        Err(StoreApiError::NotFound(_))
    ));
    db.engine
        .put_memory(
            &store.id,
            "/f.md",
            "v2",
            Precondition::None,
            &session("sesn_b"),
        )
        .unwrap();
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/f.md").unwrap().unwrap();
    assert_eq!(head.content.as_deref(), Some("v2"));
    assert!(out.failed && out.changes.is_empty(), "{:?}", out.notes);
}

#[test]
fn mem_06_a_store_write_whose_content_arrived_meanwhile_says_its_id_was_not_used() {
    let db = test_db!();
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let id = a
        .write_memory(&at("f.md"), "same".into(), &Precondition::Absent)
        .unwrap();
    db.engine
        .create_memory(&store.id, "/f.md", "same", &session("sesn_b"))
        .unwrap();
    let out = a.finish(true);
    assert!(out.changes.is_empty());
    let notes = out.notes.join("\n");
    assert!(
        notes.contains(&format!(
            "version {id} returned by store.write was not created"
        )),
        "{notes}"
    );
}

/// Appends `line` to `name` through a descriptor and closes it.
fn append(vfs: &mut Vfs, name: &str, line: &str) {
    let mode = OpenMode {
        create: true,
        ..write_mode()
    };
    let Node::File(file) = vfs.open_at(&root(), name, mode).unwrap() else {
        panic!("a file")
    };
    file.lock()
        .unwrap()
        .write_at(None, line.as_bytes())
        .unwrap();
    vfs.close(&file);
}

#[test]
fn fs_08_a_file_written_twice_in_one_call_is_not_merged_with_itself() {
    let db = test_db!();
    let store = db.store("Log");
    db.engine
        .create_memory(&store.id, "/log.md", "a\n", &session("sesn_seed"))
        .unwrap();
    let mut a = vfs(&db, &store.id, "sesn_a");
    append(&mut a, "log.md", "b\n");
    // Another file in between keeps the two writes of log.md apart.
    append(&mut a, "other.md", "x\n");
    append(&mut a, "log.md", "c\n");
    let out = a.finish(true);
    let head = db.engine.memory_at(&store.id, "/log.md").unwrap().unwrap();
    assert_eq!(head.content.as_deref(), Some("a\nb\nc\n"));
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

/// A database whose stores hold at most `limit` memories.
fn db_with_capacity(limit: usize) -> Option<TestDb> {
    TestDb::on(BACKEND, EngineConfig {
        max_memories_per_store: limit,
        ..EngineConfig::default()
    })
}

/// Opens `name` with `O_CREAT` for writing.
fn create(vfs: &mut Vfs, name: &str) -> FsResult<FileRef> {
    let mode = OpenMode {
        create: true,
        ..write_mode()
    };
    match vfs.open_at(&root(), name, mode)? {
        Node::File(file) => Ok(file),
        other => panic!("{name} opened as {other:?}"),
    }
}

#[test]
fn fs_09_two_descriptors_creating_one_path_take_one_slot() {
    let Some(db) = db_with_capacity(2) else {
        return;
    };
    let store = db.store("Log");
    db.create(&store.id, "/seed.md", "seed");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let first = create(&mut a, "new.md").unwrap();
    let second = create(&mut a, "new.md").unwrap();
    let refused = create(&mut a, "other.md").unwrap_err();
    assert_eq!(refused.code, Errno::NoSpace);
    assert!(
        refused.message.contains("maximum of 2 memories"),
        "{refused}"
    );
    a.close(&first);
    a.close(&second);
    let out = a.finish(true);
    assert_eq!(db.engine.memory_count(&store.id).unwrap(), 2);
    assert!(!out.failed, "the guest was told, nothing it wrote is lost");
    assert!(
        out.notes.iter().any(|n| n.contains("other.md")),
        "{:?}",
        out.notes
    );
}

#[test]
fn fs_09_store_writes_and_files_count_against_one_capacity() {
    let Some(db) = db_with_capacity(2) else {
        return;
    };
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let none = Precondition::None;
    a.write_memory(&at("a.md"), "a".into(), &none).unwrap();
    let b = create(&mut a, "b.md").unwrap();
    let refused = a.write_memory(&at("c.md"), "c".into(), &none).unwrap_err();
    assert!(
        matches!(&refused, StoreApiError::NoSpace(m) if m.contains("c.md")),
        "{refused:?}"
    );
    assert_eq!(create(&mut a, "c.md").unwrap_err().code, Errno::NoSpace);
    // Overwriting takes no slot.
    a.write_memory(&at("a.md"), "a2".into(), &none).unwrap();
    a.close(&b);
    a.finish(true);
    assert_eq!(db.engine.memory_count(&store.id).unwrap(), 2);
}

#[test]
fn fs_09_the_store_count_is_read_when_the_call_first_creates() {
    let Some(db) = db_with_capacity(1) else {
        return;
    };
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    // Another session fills the store after the call started but before it
    // creates anything: the creation is refused at once, not at commit.
    db.create(&store.id, "/theirs.md", "x");
    let refused = create(&mut a, "mine.md").unwrap_err();
    assert_eq!(refused.code, Errno::NoSpace);
    let refused = a
        .write_memory(&at("mine.md"), "x".into(), &Precondition::None)
        .unwrap_err();
    assert!(matches!(refused, StoreApiError::NoSpace(_)), "{refused:?}");
}

#[test]
fn fs_09_a_store_filled_by_another_session_before_commit_still_refuses_the_creation() {
    let Some(db) = db_with_capacity(1) else {
        return;
    };
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let file = create(&mut a, "mine.md").unwrap();
    file.lock().unwrap().write_at(None, b"mine").unwrap();
    a.close(&file);
    db.create(&store.id, "/theirs.md", "x");
    let out = a.finish(true);
    assert!(out.failed);
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("/mnt/memory/log/mine.md") && n.contains("maximum of 1")),
        "{:?}",
        out.notes
    );
    assert!(
        db.engine
            .memory_at(&store.id, "/mine.md")
            .unwrap()
            .is_none()
    );
}

#[test]
fn fs_09_renamed_files_and_directories_take_their_new_memories_slots_along() {
    let Some(db) = db_with_capacity(1) else {
        return;
    };
    let store = db.store("Log");
    let mut a = vfs(&db, &store.id, "sesn_a");
    let file = create(&mut a, "a.md").unwrap();
    a.close(&file);
    a.rename_at(&root(), "a.md", &root(), "b.md").unwrap();
    // a.md is free again, but the memory created there now lives at b.md.
    assert_eq!(create(&mut a, "a.md").unwrap_err().code, Errno::NoSpace);
    a.unlink_at(&root(), "b.md").unwrap();

    a.mkdir_at(&root(), "d").unwrap();
    let file = create(&mut a, "d/x.md").unwrap();
    a.close(&file);
    a.rename_at(&root(), "d", &root(), "e").unwrap();
    a.mkdir_at(&root(), "d").unwrap();
    assert_eq!(create(&mut a, "d/x.md").unwrap_err().code, Errno::NoSpace);
    a.unlink_at(&root(), "e/x.md").unwrap();
    let file = create(&mut a, "d/x.md").unwrap();
    a.close(&file);
    let out = a.finish(true);
    // Two refusals, one note: a guest that keeps trying does not flood the result.
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert_eq!(db.engine.memory_count(&store.id).unwrap(), 1);
    assert!(db.engine.memory_at(&store.id, "/d/x.md").unwrap().is_some());
}

