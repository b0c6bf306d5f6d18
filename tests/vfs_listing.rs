//! FS-02, FS-03 at the VFS level, without wasm: what a directory listing
//! tells about its entries (their kinds answer wasi-libc's per-entry
//! `metadata-hash-at`) stays true only until the call changes them.
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

#[macro_use]
mod common;

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/vfs_listing.rs");
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/vfs_listing.rs");
}
