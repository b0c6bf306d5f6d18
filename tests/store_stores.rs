//! Memory stores (STORE-01..05) on a real SQLite file: fields and limits,
//! listing and paging, patches, archive, delete, workspaces, actor shapes.
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

mod common;

/// The test's database on the module's backend; returns from the test
/// (skipping it) when that backend's server is not available here.
macro_rules! test_db {
    () => {
        test_db!(memstore::store::EngineConfig::default())
    };
    ($config:expr) => {
        match crate::common::TestDb::on(BACKEND, $config) {
            Some(db) => db,
            None => return,
        }
    };
}

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/store_stores.rs");
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/store_stores.rs");
}
