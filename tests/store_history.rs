//! History (VER-01..08, DUR-03) on a real SQLite file: versions and their
//! filters, redaction down to the file bytes, rollback, retention, the audit
//! chain, events, and schema migrations.
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

#[macro_use]
mod common;

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/store_history.rs");

    // Schema history is the SQLite file's own (PostgreSQL's migrations are
    // tested in its crate).
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
        let engine = memstore::open(&path, EngineConfig::default()).unwrap();
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
        let err = memstore::open(&path, EngineConfig::default()).unwrap_err();
        assert!(err.to_string().contains("upgrade memstore"), "{err}");
    }
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/store_history.rs");
}
