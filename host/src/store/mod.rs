//! The store engine: memory stores, memories, versions, the audit chain and
//! the event log, on an embedded SQLite file.
//!
//! This module knows nothing of WebAssembly or HTTP. [`Engine`] holds the
//! rules; [`backend`] is the seam a database implements; [`sqlite`] is the
//! default backend.

pub mod apikey;
pub mod backend;
pub mod chain;
pub mod cursor;
mod engine;
pub mod error;
pub mod ids;
pub mod limits;
pub mod model;
pub mod path;
pub mod sqlite;

pub use apikey::{ApiKey, Role};
pub use engine::sessions;
pub use engine::{Applied, BatchOp, Decide, Decision, Engine, content_sha256, validate_sha256};
pub use error::{ErrorKind, Result, StoreError};
pub use limits::EngineConfig;
pub use model::*;
