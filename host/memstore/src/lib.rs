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
//!   or HTTP. [`store::sqlite`] (`memstore-sqlite`) is its SQLite backend.
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
    pub use memstore_sqlite as sqlite;
    pub use memstore_store::*;
}

/// Opens (creating if needed) the memstore database at `db` — today an
/// SQLite file — as an engine, applying pending migrations (DUR-03).
///
/// # Errors
/// The database cannot be opened, is not a memstore database, or was
/// written by a newer memstore; `db` is a PostgreSQL URL, which this build
/// cannot open yet (it is refused rather than taken for a file name).
pub fn open(db: impl AsRef<Path>, config: store::EngineConfig) -> store::Result<store::Engine> {
    let db = db.as_ref();
    let url = db.to_str().unwrap_or_default();
    if ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        return Err(store::StoreError::Unusable(
            "PostgreSQL databases are not supported by this build of memstore yet; pass --db \
             (or MEMSTORE_DB) the path of an SQLite file"
                .into(),
        ));
    }
    store::sqlite::open(db, config)
}
