//! memstore: durable, versioned memory stores for AI agents.
//!
//! - [`api`]: the HTTP server (axum), wire-compatible with the reference
//!   memory-store API; [`api::serve`] runs it on a listener.
//! - [`store`]: the store engine (stores, memories, versions, audit chain,
//!   events) on an embedded SQLite file. Knows nothing of wasm or HTTP.
//! - [`vfs`]: the virtual filesystem served from the store (no wasmtime).
//! - [`sandbox`]: wasmtime host, sessions and tool calls.
//!
//! ```
//! use memstore::store::{Actor, Engine, EngineConfig, NewStore, Precondition};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let engine = Engine::open_sqlite(dir.path().join("memstore.db"), EngineConfig::default())?;
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

pub mod api;
pub mod sandbox;
pub mod store;
pub mod vfs;
