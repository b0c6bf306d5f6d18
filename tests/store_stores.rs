//! Memory stores (STORE-01..05) on a real SQLite file: fields and limits,
//! listing and paging, patches, archive, delete, workspaces, actor shapes.
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

#[macro_use]
mod common;

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/store_stores.rs");
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/store_stores.rs");
}
