//! Memories (MEM-01..09, SEC-04) on a real SQLite file: fields, size cap,
//! path rules, conflicts, preconditions, no-op writes, delete, listings and
//! capacity.
//!
//! The cases run on both backends (DUR-04): `on_sqlite::…` on a real SQLite
//! file, `on_postgres::…` on a fresh database of a real PostgreSQL server
//! (skipped, saying so, without `MEMSTORE_TEST_POSTGRES_URL`).

#[macro_use]
mod common;

mod on_sqlite {
    const BACKEND: crate::common::Backend = crate::common::Backend::Sqlite;
    include!("backend/store_memories.rs");
}

mod on_postgres {
    const BACKEND: crate::common::Backend = crate::common::Backend::Postgres;
    include!("backend/store_memories.rs");
}
