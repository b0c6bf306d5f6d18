//! memstore: durable, versioned memory stores for AI agents.
//!
//! This crate is the `memstore` binary (the CLI) and the one library a
//! harness embeds; each layer is a crate of its own, re-exported here under
//! its old module name. Dependencies point one way: api and cli → sandbox →
//! vfs → store ← backends.
//!
//! - [`api`] (`memstore-api`): the HTTP server (axum), wire-compatible with
//!   the reference memory-store API; [`api::serve`] runs it on a listener.
//! - [`sandbox`] (`memstore-sandbox`): wasmtime host, sessions' tool calls,
//!   the built-in tools and `bash`.
//! - [`vfs`] (`memstore-vfs`): the virtual filesystem served from the store
//!   (no wasmtime).
//! - [`store`] (`memstore-store`): the store engine (stores, memories,
//!   versions, audit chain, events) over the `Backend` trait; no SQL, wasm
//!   or HTTP. [`store::sqlite`] (`memstore-sqlite`, the default: one file)
//!   and [`store::postgres`] (`memstore-postgres`: several hosts on one
//!   database) are its backends.
//! - [`open`]: an engine on a database named the way `--db` names it.
//!
//! ```
//! use memstore::store::{Actor, EngineConfig, NewStore, Precondition};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let engine = memstore::open(dir.path().join("memstore.db"), EngineConfig::default())?;
//! let me = Actor::User { user_id: "alice".into() };
//! let store = engine.create_store(
//!     NewStore { workspace_id: "default".into(), name: "Notes".into(), ..NewStore::default() },
//!     &me,
//! )?;
//! let first = engine.put_memory(&store.id, "/todo.md", "buy milk", Precondition::None, &me)?;
//! // A write that only applies if nobody changed the memory since we read it:
//! let sha = first.memory.content_sha256.clone();
//! engine.put_memory(&store.id, "/todo.md", "buy oat milk", Precondition::ContentSha256(sha), &me)?;
//! assert!(engine.verify_chain(&store.id)?.ok);
//! # Ok(())
//! # }
//! ```

use std::path::Path;

pub use memstore_api as api;
pub use memstore_sandbox as sandbox;
pub use memstore_vfs as vfs;

/// The store engine and its backends.
pub mod store {
    pub use memstore_postgres as postgres;
    pub use memstore_sqlite as sqlite;
    pub use memstore_store::*;
}

/// Opens the memstore database `db` names as an engine, applying pending
/// migrations (DUR-03): a `postgres://` or `postgresql://` URL is a
/// PostgreSQL database (DUR-04), anything else the path of an SQLite file,
/// created if missing.
///
/// # Errors
/// The database cannot be opened or reached, is not a memstore database,
/// or was written by a newer memstore.
pub fn open(db: impl AsRef<Path>, config: store::EngineConfig) -> store::Result<store::Engine> {
    let db = db.as_ref();
    match db.to_str().filter(|s| is_postgres_url(s)) {
        Some(url) => store::postgres::open(url, config),
        None => store::sqlite::open(db, config),
    }
}

/// A database as messages may name it: a PostgreSQL URL loses its password
/// (`postgres://user:secret@host/db` → `postgres://user@host/db`); a path
/// is shown as it is.
pub fn describe_db(db: &str) -> String {
    if is_postgres_url(db) {
        store::postgres::redact_url(db)
    } else {
        db.to_owned()
    }
}

/// Whether `db` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(db: &str) -> bool {
    ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| db.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dur_04_a_database_url_is_named_without_its_password() {
        for (db, shown) in [
            (
                "postgres://app:s3cret@db:5432/m",
                "postgres://app@db:5432/m",
            ),
            (
                "postgresql://app:p@ss@db/m?sslmode=require",
                "postgresql://app@db/m?sslmode=require",
            ),
            ("postgres://app@db/m", "postgres://app@db/m"),
            ("postgres://db/m", "postgres://db/m"),
            ("memstore.db", "memstore.db"),
        ] {
            assert_eq!(super::describe_db(db), shown);
        }
    }
}
