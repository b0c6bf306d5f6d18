//! FS-08, FS-09 and TOOL-02 at the VFS level, without wasm: a descriptor or
//! a `store.write` whose head moved before commit merges non-overlapping
//! changes and keeps both versions of overlapping ones; a failed call
//! commits nothing; the store's capacity is checked when a creation is
//! staged and again at commit. Deterministic, since the "other session"
//! commits at a chosen moment. A call's changes commit in one write
//! transaction, each failing alone (TOOL-02, DUR-02).
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

#[macro_use]
mod common;

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/vfs_merge.rs");

    // Counting commits reads SQLite's write-ahead log.
    /// The length of the database's write-ahead log now.
    fn wal_len(db: &TestDb) -> usize {
        std::fs::metadata(wal_path(db)).map_or(0, |m| m.len() as usize)
    }

    fn wal_path(db: &TestDb) -> std::path::PathBuf {
        db.dir.path().join("memstore.db-wal")
    }

    /// Transactions committed since the write-ahead log was `from` bytes long.
    /// Under WAL every commit ends with one frame whose header records the
    /// database size (zero in other frames), and costs one fsync under
    /// `synchronous = FULL`. The log only restarts after a checkpoint, which a
    /// test this small never reaches.
    fn commits_since(db: &TestDb, from: usize) -> usize {
        const WAL_HEADER: usize = 32;
        const FRAME_HEADER: usize = 24;
        let wal = std::fs::read(wal_path(db)).expect("the database runs in WAL mode");
        let page = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
        (from.max(WAL_HEADER)..wal.len())
            .step_by(FRAME_HEADER + page)
            .filter(|at| wal[at + 4..at + 8] != [0; 4])
            .count()
    }

    /// TOOL-02, DUR-02: three writes, a delete and a rename staged by one call
    /// land together, in program order, in one write transaction.
    #[test]
    fn tool_02_a_call_s_changes_commit_in_order_in_one_transaction() {
        let db = test_db!();
        let store = db.store("Log");
        let mut seeded = Vec::new();
        for path in ["/old.md", "/moved.md"] {
            let out = db
                .engine
                .create_memory(&store.id, path, "seeded", &session("sesn_seed"))
                .unwrap();
            seeded.push(out.memory.id);
        }
        let mut a = vfs(&db, &store.id, "sesn_a");
        append(&mut a, "one.md", "1\n");
        a.write_memory(&at("two.md"), "2\n".into(), &Precondition::Absent)
            .unwrap();
        append(&mut a, "three.md", "3\n");
        a.delete_memory(&at("old.md"), &Precondition::None).unwrap();
        a.rename_memory(&at("moved.md"), &at("renamed.md")).unwrap();
        let wal = wal_len(&db);
        let out = a.finish(true);
        assert_eq!(commits_since(&db, wal), 1, "one transaction for the call");
        assert!(!out.failed && out.notes.is_empty(), "{out:?}");
        let done: Vec<_> = out
            .changes
            .iter()
            .map(|c| (c.path.as_str(), c.operation))
            .collect();
        assert_eq!(
            done,
            [
                ("/one.md", Operation::Created),
                ("/two.md", Operation::Created),
                ("/three.md", Operation::Created),
                ("/old.md", Operation::Deleted),
                ("/renamed.md", Operation::Modified),
            ]
        );
        let head = |p: &str| db.engine.memory_at(&store.id, p).unwrap();
        for (path, content) in [("/one.md", "1\n"), ("/two.md", "2\n"), ("/three.md", "3\n")] {
            assert_eq!(head(path).unwrap().content.as_deref(), Some(content));
        }
        assert!(head("/old.md").is_none() && head("/moved.md").is_none());
        assert_eq!(
            head("/renamed.md").unwrap().id,
            seeded[1],
            "a rename keeps the id"
        );
        // VER-07: versions appended in one transaction still chain.
        let chain = db.engine.verify_chain(&store.id).unwrap();
        assert!(chain.ok, "{chain:?}");
    }

    /// TOOL-02, MEM-04: a creation that another session's commit made
    /// conflicting fails alone, with a note; the call's other files still
    /// commit, in the same single transaction, and the failed one leaves no
    /// version behind.
    #[test]
    fn tool_02_an_operation_that_fails_at_commit_fails_alone() {
        let db = test_db!();
        let store = db.store("Log");
        let mut a = vfs(&db, &store.id, "sesn_a");
        for name in ["a.md", "b.md", "c.md"] {
            append(&mut a, name, "ours\n");
        }
        // Another session makes /b.md a directory before the call commits.
        db.engine
            .create_memory(&store.id, "/b.md/inner.md", "theirs", &session("sesn_b"))
            .unwrap();
        let wal = wal_len(&db);
        let out = a.finish(true);
        assert_eq!(commits_since(&db, wal), 1, "one transaction for the call");
        let paths: Vec<_> = out.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["/a.md", "/c.md"]);
        assert!(out.failed && !out.raced, "{out:?}");
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert!(
            out.notes[0].starts_with(&format!("commit of {} failed", at("b.md"))),
            "{:?}",
            out.notes
        );
        assert!(db.engine.memory_at(&store.id, "/b.md").unwrap().is_none());
        assert_eq!(version_count(&db, &store.id), 3, "theirs, a.md and c.md");
    }
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/vfs_merge.rs");
}
